// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>The <c>vision_config</c> of a CLIP <c>config.json</c> (Hugging Face's <c>CLIPVisionConfig</c>).</summary>
/// <param name="Encoder">The transformer's shape.</param>
/// <param name="NumChannels">The input channels (3, RGB).</param>
/// <param name="ImageSize">The side of the square input.</param>
/// <param name="PatchSize">The side of one square patch.</param>
internal sealed record ClipVisionConfig(ClipEncoderConfig Encoder, int NumChannels, int ImageSize, int PatchSize)
{
    /// <summary>The section's name in <c>config.json</c>.</summary>
    internal const string SectionName = "vision_config";

    // CLIPVisionConfig's defaults: the image tower of openai/clip-vit-base-patch32.
    private static readonly ClipEncoderConfig s_defaults = new(768, 3072, 12, 12, ClipActivation.QuickGelu, 1e-5, 0.0);

    /// <summary>The patches of one image (as Hugging Face, the grid is the floor of image size over patch size).</summary>
    internal int PatchCount => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    /// <summary>The sequence the tower reads: the class token then the patches.</summary>
    internal int PositionCount => PatchCount + 1;

    /// <summary>Reads the section; omitted fields take <c>CLIPVisionConfig</c>'s defaults.</summary>
    /// <exception cref="FormatException">A field is malformed or out of range; the message names it.</exception>
    internal static ClipVisionConfig Read(JsonObject section)
    {
        var config = new ClipVisionConfig(
            ClipEncoderConfig.Read(section, SectionName, s_defaults),
            ClipJson.Int(section, SectionName, "num_channels", 3),
            ClipJson.Int(section, SectionName, "image_size", 224),
            ClipJson.Int(section, SectionName, "patch_size", 32));
        ClipJson.RequirePositive(SectionName, "num_channels", config.NumChannels);
        ClipJson.RequirePositive(SectionName, "patch_size", config.PatchSize);
        if (config.ImageSize < config.PatchSize)
        {
            throw new FormatException($"`{SectionName}.image_size` ({config.ImageSize}) must be at least `{SectionName}.patch_size` ({config.PatchSize}).");
        }

        return config;
    }
}
