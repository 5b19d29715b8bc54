// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.TinyVision;

/// <summary>A Hugging Face-style tiny-vision model folder: config.json, model.safetensors and preprocessor_config.json.</summary>
internal static class TinyVisionFolder
{
    internal static readonly TinyVisionConfig Config = new(HiddenSize: 8, LayerCount: 2, ImageSize: 8, PatchSize: 4, ChannelCount: 3);

    /// <summary>Writes the folder with seeded random weights, keys prefixed as in a task checkpoint when asked; returns the folder.</summary>
    internal static string Write(string directory, int seed = 5, string checkpointPrefix = "")
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config.ToJson().ToJsonString());
        File.WriteAllText(Path.Combine(directory, TinyImageProcessor.FileName), "{\"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5], \"size\": {\"height\": 8, \"width\": 8}}");
        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var model = new TinyVisionModel(Config);
        SafeTensorsFile.Write(Path.Combine(directory, "model.safetensors"), model.state_dict().Select(p => KeyValuePair.Create(checkpointPrefix + p.Key, p.Value)), null);
        return directory;
    }
}
