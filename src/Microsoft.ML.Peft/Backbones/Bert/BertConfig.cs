// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>The fields of a Hugging Face BERT <c>config.json</c> that shape the encoder.</summary>
internal sealed record BertConfig(
    int VocabSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize,
    double LayerNormEps,
    double HiddenDropout,
    double AttentionDropout,
    string HiddenAct,
    int PadTokenId,
    double? ClassifierDropout = null)
{
    /// <summary>Reads <c>config.json</c>; every missing or malformed field is named in the error.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a BERT configuration this encoder can build.</exception>
    internal static BertConfig Read(string path) => FromJson(ModelConfigJson.Read(path), path);

    /// <summary>Builds the configuration from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <param name="json">The parsed <c>config.json</c>.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    /// <param name="defaultPadTokenId">The <c>pad_token_id</c> of a file without one: 0 for BERT, 1 for RoBERTa (their configuration classes' defaults).</param>
    /// <exception cref="InvalidDataException">A field is missing, malformed or unsupported.</exception>
    internal static BertConfig FromJson(JsonObject json, string source, int defaultPadTokenId = 0)
    {
        try
        {
            // Relative position embeddings add terms to the attention scores that this encoder does not compute.
            string positions = JsonValues.OptionalString(json["position_embedding_type"], "position_embedding_type") ?? "absolute";
            if (positions != "absolute")
            {
                throw new FormatException($"`position_embedding_type` \"{positions}\" is not supported; only \"absolute\" is.");
            }

            var config = new BertConfig(
                JsonValues.Int(json["vocab_size"], "vocab_size"),
                JsonValues.Int(json["hidden_size"], "hidden_size"),
                JsonValues.Int(json["num_hidden_layers"], "num_hidden_layers"),
                JsonValues.Int(json["num_attention_heads"], "num_attention_heads"),
                JsonValues.Int(json["intermediate_size"], "intermediate_size"),
                JsonValues.Int(json["max_position_embeddings"], "max_position_embeddings"),
                json["type_vocab_size"] is null ? 2 : JsonValues.Int(json["type_vocab_size"], "type_vocab_size"),
                json["layer_norm_eps"] is null ? 1e-12 : JsonValues.Number(json["layer_norm_eps"], "layer_norm_eps"),
                json["hidden_dropout_prob"] is null ? 0.1 : JsonValues.Number(json["hidden_dropout_prob"], "hidden_dropout_prob"),
                json["attention_probs_dropout_prob"] is null ? 0.1 : JsonValues.Number(json["attention_probs_dropout_prob"], "attention_probs_dropout_prob"),
                JsonValues.OptionalString(json["hidden_act"], "hidden_act") ?? "gelu",
                json["pad_token_id"] is null ? defaultPadTokenId : JsonValues.Int(json["pad_token_id"], "pad_token_id"),
                json["classifier_dropout"] is null ? null : JsonValues.Number(json["classifier_dropout"], "classifier_dropout"));
            config.Validate();
            return config;
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
    }

    /// <summary>The configuration as Hugging Face's <c>config.json</c> fields (for a model recovered from another format).</summary>
    internal JsonObject ToJson() => new()
    {
        ["model_type"] = "bert",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["intermediate_size"] = IntermediateSize,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["type_vocab_size"] = TypeVocabSize,
        ["layer_norm_eps"] = LayerNormEps,
        ["hidden_dropout_prob"] = HiddenDropout,
        ["attention_probs_dropout_prob"] = AttentionDropout,
        ["hidden_act"] = HiddenAct,
        ["pad_token_id"] = PadTokenId,
        ["classifier_dropout"] = ClassifierDropout,
    };

    private void Validate()
    {
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
        {
            throw new FormatException($"`hidden_size` ({HiddenSize}) must be a positive multiple of `num_attention_heads` ({NumAttentionHeads}).");
        }

        if (!HiddenActivation.Names.Contains(HiddenAct))
        {
            throw new FormatException($"`hidden_act` \"{HiddenAct}\" is not supported; supported: {string.Join(", ", HiddenActivation.Names)}.");
        }

        if (VocabSize <= 0 || NumHiddenLayers <= 0 || IntermediateSize <= 0 || MaxPositionEmbeddings <= 0 || TypeVocabSize <= 0)
        {
            throw new FormatException("`vocab_size`, `num_hidden_layers`, `intermediate_size`, `max_position_embeddings` and `type_vocab_size` must be positive.");
        }
    }
}
