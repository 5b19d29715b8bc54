// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The transformer fields both CLIP towers share (<c>text_config</c> and <c>vision_config</c> of a CLIP <c>config.json</c>):
/// width, feed-forward width, depth, heads, activation, LayerNorm epsilon and attention dropout.
/// </summary>
/// <param name="HiddenSize">The tower's <c>hidden_size</c>.</param>
/// <param name="IntermediateSize">The feed-forward <c>intermediate_size</c>.</param>
/// <param name="NumHiddenLayers">The number of encoder layers.</param>
/// <param name="NumAttentionHeads">The number of attention heads.</param>
/// <param name="HiddenAct">The feed-forward activation, one of <see cref="ClipActivation.Names"/>.</param>
/// <param name="LayerNormEps">The LayerNorm epsilon.</param>
/// <param name="AttentionDropout">The dropout on attention probabilities while training.</param>
internal sealed record ClipEncoderConfig(
    int HiddenSize,
    int IntermediateSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    string HiddenAct,
    double LayerNormEps,
    double AttentionDropout)
{
    /// <summary>
    /// Reads the shared fields of one tower section; fields it omits take <paramref name="defaults"/> (the Hugging Face
    /// configuration class's defaults for that tower).
    /// </summary>
    /// <param name="section">The section's fields.</param>
    /// <param name="sectionName">The section's name in <c>config.json</c>, prefixed to field names in errors (<c>text_config.hidden_size</c>).</param>
    /// <param name="defaults">The values of omitted fields.</param>
    /// <exception cref="FormatException">A field is malformed or out of range; the message names it.</exception>
    internal static ClipEncoderConfig Read(JsonObject section, string sectionName, ClipEncoderConfig defaults)
    {
        var config = new ClipEncoderConfig(
            ClipJson.Int(section, sectionName, "hidden_size", defaults.HiddenSize),
            ClipJson.Int(section, sectionName, "intermediate_size", defaults.IntermediateSize),
            ClipJson.Int(section, sectionName, "num_hidden_layers", defaults.NumHiddenLayers),
            ClipJson.Int(section, sectionName, "num_attention_heads", defaults.NumAttentionHeads),
            JsonValues.OptionalString(section["hidden_act"], $"{sectionName}.hidden_act") ?? defaults.HiddenAct,
            ClipJson.Number(section, sectionName, "layer_norm_eps", defaults.LayerNormEps),
            ClipJson.Number(section, sectionName, "attention_dropout", defaults.AttentionDropout));

        if (config.HiddenSize <= 0 || config.NumAttentionHeads <= 0 || config.HiddenSize % config.NumAttentionHeads != 0)
        {
            throw new FormatException($"`{sectionName}.hidden_size` ({config.HiddenSize}) must be a positive multiple of `{sectionName}.num_attention_heads` ({config.NumAttentionHeads}).");
        }

        ClipJson.RequirePositive(sectionName, "intermediate_size", config.IntermediateSize);
        ClipJson.RequirePositive(sectionName, "num_hidden_layers", config.NumHiddenLayers);
        if (!ClipActivation.Names.Contains(config.HiddenAct))
        {
            throw new FormatException($"`{sectionName}.hidden_act` \"{config.HiddenAct}\" is not supported; supported: {string.Join(", ", ClipActivation.Names)}.");
        }

        return config;
    }
}
