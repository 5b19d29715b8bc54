// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>The <c>text_config</c> of a CLIP <c>config.json</c> (Hugging Face's <c>CLIPTextConfig</c>).</summary>
/// <param name="Encoder">The transformer's shape.</param>
/// <param name="VocabSize">The number of token embeddings.</param>
/// <param name="MaxPositionEmbeddings">The longest token sequence (77 for OpenAI's checkpoints).</param>
/// <param name="PadTokenId">The configured padding id (the model never reads it; the tokenizer pads).</param>
/// <param name="BosTokenId">The start-of-text id.</param>
/// <param name="EosTokenId">
/// The end-of-text id, whose first position gives the pooled text token; the legacy 2 of configurations written before
/// transformers corrected it pools at the argmax of the ids instead (<see cref="ClipTextTransformer.PooledPositions"/>).
/// </param>
internal sealed record ClipTextConfig(
    ClipEncoderConfig Encoder,
    int VocabSize,
    int MaxPositionEmbeddings,
    int PadTokenId,
    int BosTokenId,
    int EosTokenId)
{
    /// <summary>The section's name in <c>config.json</c>.</summary>
    internal const string SectionName = "text_config";

    // CLIPTextConfig's defaults: the text tower of openai/clip-vit-base-patch32.
    private static readonly ClipEncoderConfig s_defaults = new(512, 2048, 12, 8, ClipActivation.QuickGelu, 1e-5, 0.0);

    /// <summary>Reads the section; omitted fields take <c>CLIPTextConfig</c>'s defaults.</summary>
    /// <exception cref="FormatException">A field is malformed or out of range; the message names it.</exception>
    internal static ClipTextConfig Read(JsonObject section)
    {
        var config = new ClipTextConfig(
            ClipEncoderConfig.Read(section, SectionName, s_defaults),
            ClipJson.Int(section, SectionName, "vocab_size", 49408),
            ClipJson.Int(section, SectionName, "max_position_embeddings", 77),
            ClipJson.Int(section, SectionName, "pad_token_id", 1),
            ClipJson.Int(section, SectionName, "bos_token_id", 49406),
            ClipJson.Int(section, SectionName, "eos_token_id", 49407));
        ClipJson.RequirePositive(SectionName, "vocab_size", config.VocabSize);
        ClipJson.RequirePositive(SectionName, "max_position_embeddings", config.MaxPositionEmbeddings);
        return config;
    }
}
