// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Tests.Backbones.TinyVision;

/// <summary>The fields of a tiny-vision <c>config.json</c>, as a ViT's: hidden size, layers, image and patch size, channels.</summary>
internal sealed record TinyVisionConfig(int HiddenSize, int LayerCount, int ImageSize, int PatchSize, int ChannelCount)
{
    internal int PatchCount => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    internal static TinyVisionConfig FromJson(JsonObject config, string source)
    {
        int Field(string name) => config[name]?.GetValue<int>() ?? throw new InvalidDataException($"'{source}' has no \"{name}\".");
        var result = new TinyVisionConfig(Field("hidden_size"), Field("num_hidden_layers"), Field("image_size"), Field("patch_size"), Field("num_channels"));
        if (result.ImageSize % result.PatchSize != 0)
        {
            throw new InvalidDataException($"'{source}': image_size {result.ImageSize} is not a multiple of patch_size {result.PatchSize}.");
        }

        return result;
    }

    internal JsonObject ToJson() => new()
    {
        ["model_type"] = TinyVisionArchitecture.Type,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = LayerCount,
        ["image_size"] = ImageSize,
        ["patch_size"] = PatchSize,
        ["num_channels"] = ChannelCount,
    };
}
