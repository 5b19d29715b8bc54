// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Vision.Backbones.Vit;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A Hugging Face model folder with a tiny random ViT (2 layers, hidden 32, 4 heads, 32 x 32 images in 8 x 8 patches) and a
/// <c>preprocessor_config.json</c> that resizes to 32 x 32, so vision estimator tests run end to end in seconds with no
/// downloaded model.
/// </summary>
internal static class TinyVitFolder
{
    /// <summary>The folder's configuration.</summary>
    internal static readonly ViTConfig Config = new(
        HiddenSize: 32,
        NumHiddenLayers: 2,
        NumAttentionHeads: 4,
        IntermediateSize: 64,
        HiddenAct: "gelu",
        LayerNormEps: 1e-12,
        ImageSize: 32,
        PatchSize: 8,
        NumChannels: 3,
        QkvBias: true,
        HiddenDropout: 0.0,
        AttentionDropout: 0.0);

    /// <summary>
    /// Writes config.json, model.safetensors (seeded random weights; keys prefixed with <c>vit.</c> as in a
    /// <c>ViTForImageClassification</c> checkpoint when <paramref name="checkpointPrefix"/> says so) and
    /// preprocessor_config.json (unless <paramref name="writeProcessor"/> is false) to <paramref name="directory"/>; returns the folder.
    /// </summary>
    internal static string Write(string directory, int seed = 7, string checkpointPrefix = "", bool writeProcessor = true)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config.ToJson().ToJsonString());
        if (writeProcessor)
        {
            WriteProcessor(directory);
        }

        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var encoder = new ViTEncoder(Config);
        SafeTensorsFile.Write(
            Path.Combine(directory, "model.safetensors"),
            encoder.state_dict().Select(p => KeyValuePair.Create(checkpointPrefix + p.Key, p.Value)),
            metadata: null);
        return directory;
    }

    /// <summary>Writes the preprocessor_config.json of ViTImageProcessor resizing to 32 x 32, the folder's image size.</summary>
    internal static void WriteProcessor(string directory) =>
        File.WriteAllText(
            Path.Combine(directory, "preprocessor_config.json"),
            "{\"image_processor_type\": \"ViTImageProcessor\", \"do_resize\": true, \"size\": {\"height\": 32, \"width\": 32}, \"resample\": 2, "
            + "\"do_rescale\": true, \"rescale_factor\": 0.00392156862745098, \"do_normalize\": true, \"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}");
}
