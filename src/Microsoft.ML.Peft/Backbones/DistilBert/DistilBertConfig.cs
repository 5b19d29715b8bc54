// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>The fields of a Hugging Face DistilBERT <c>config.json</c> that shape the encoder and its classification head.</summary>
internal sealed record DistilBertConfig(
    int VocabSize,
    int Dim,
    int NLayers,
    int NHeads,
    int HiddenDim,
    int MaxPositionEmbeddings,
    double Dropout,
    double AttentionDropout,
    double SeqClassifDropout,
    string Activation,
    int PadTokenId)
{
    /// <summary>DistilBERT fixes its LayerNorm epsilon in code; <c>config.json</c> has no field for it.</summary>
    internal const double LayerNormEps = 1e-12;

    /// <summary>Builds the configuration from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <remarks>Optional fields take DistilBertConfig's defaults: dropout 0.1, attention_dropout 0.1, seq_classif_dropout 0.2, gelu, pad 0.</remarks>
    /// <exception cref="InvalidDataException">A field is missing, malformed or unsupported.</exception>
    internal static DistilBertConfig FromJson(JsonObject json, string source)
    {
        try
        {
            // Sinusoidal positions are a frozen, computed table; this encoder only has learned ones.
            if (json["sinusoidal_pos_embds"] is not null && JsonValues.Bool(json["sinusoidal_pos_embds"], "sinusoidal_pos_embds"))
            {
                throw new FormatException("`sinusoidal_pos_embds` = true is not supported; only learned position embeddings (false) are.");
            }

            var config = new DistilBertConfig(
                JsonValues.Int(json["vocab_size"], "vocab_size"),
                JsonValues.Int(json["dim"], "dim"),
                JsonValues.Int(json["n_layers"], "n_layers"),
                JsonValues.Int(json["n_heads"], "n_heads"),
                JsonValues.Int(json["hidden_dim"], "hidden_dim"),
                JsonValues.Int(json["max_position_embeddings"], "max_position_embeddings"),
                json["dropout"] is null ? 0.1 : JsonValues.Number(json["dropout"], "dropout"),
                json["attention_dropout"] is null ? 0.1 : JsonValues.Number(json["attention_dropout"], "attention_dropout"),
                json["seq_classif_dropout"] is null ? 0.2 : JsonValues.Number(json["seq_classif_dropout"], "seq_classif_dropout"),
                JsonValues.OptionalString(json["activation"], "activation") ?? "gelu",
                json["pad_token_id"] is null ? 0 : JsonValues.Int(json["pad_token_id"], "pad_token_id"));
            config.Validate();
            return config;
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
    }

    private void Validate()
    {
        if (Dim <= 0 || NHeads <= 0 || Dim % NHeads != 0)
        {
            throw new FormatException($"`dim` ({Dim}) must be a positive multiple of `n_heads` ({NHeads}).");
        }

        if (!HiddenActivation.Names.Contains(Activation))
        {
            throw new FormatException($"`activation` \"{Activation}\" is not supported; supported: {string.Join(", ", HiddenActivation.Names)}.");
        }

        if (VocabSize <= 0 || NLayers <= 0 || HiddenDim <= 0 || MaxPositionEmbeddings <= 0)
        {
            throw new FormatException("`vocab_size`, `n_layers`, `hidden_dim` and `max_position_embeddings` must be positive.");
        }

        if (PadTokenId < 0 || PadTokenId >= VocabSize)
        {
            throw new FormatException($"`pad_token_id` ({PadTokenId}) must be an id of the vocabulary (0 to {VocabSize - 1}).");
        }
    }
}
