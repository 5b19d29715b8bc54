// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The fields of a Hugging Face CLIP <c>config.json</c> (<c>CLIPConfig</c>) that shape <c>CLIPModel</c>: both towers'
/// sections, the shared embedding width and the initial temperature. Every field has Hugging Face's default when omitted.
/// </summary>
/// <param name="Text">The text tower (<c>text_config</c>).</param>
/// <param name="Vision">The image tower (<c>vision_config</c>).</param>
/// <param name="ProjectionDim">The width of the shared image-text embedding space.</param>
/// <param name="LogitScaleInitValue">The initial <c>logit_scale</c> (log of the inverse temperature) of a fresh model.</param>
internal sealed record ClipConfig(ClipTextConfig Text, ClipVisionConfig Vision, int ProjectionDim, double LogitScaleInitValue)
{
    /// <summary>Builds the configuration from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A field is malformed or out of range; the message names the file and the field.</exception>
    internal static ClipConfig FromJson(JsonObject json, string source)
    {
        try
        {
            // Configurations written before text_config existed carry the towers as text_config_dict / vision_config_dict.
            var text = ClipJson.Section(json, json["text_config"] is null && json["text_config_dict"] is not null ? "text_config_dict" : ClipTextConfig.SectionName);
            var vision = ClipJson.Section(json, json["vision_config"] is null && json["vision_config_dict"] is not null ? "vision_config_dict" : ClipVisionConfig.SectionName);
            var config = new ClipConfig(
                ClipTextConfig.Read(text),
                ClipVisionConfig.Read(vision),
                ClipJson.Int(json, null, "projection_dim", 512),
                ClipJson.Number(json, null, "logit_scale_init_value", 2.6592));
            ClipJson.RequirePositive(null, "projection_dim", config.ProjectionDim);
            return config;
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
    }
}
