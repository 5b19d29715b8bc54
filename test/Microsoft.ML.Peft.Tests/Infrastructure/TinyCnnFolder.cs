// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats.SafeTensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>A Hugging Face-style folder (config.json, model.safetensors, preprocessor_config.json) of a random <see cref="TinyCnnArchitecture"/> model.</summary>
internal static class TinyCnnFolder
{
    /// <summary>The side of the square images the folder's processor outputs.</summary>
    internal const int ImageSize = 16;

    /// <summary>Writes the folder to <paramref name="directory"/> with weights drawn from <paramref name="seed"/>.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="seed">The weights' seed.</param>
    /// <param name="writeProcessor">Whether to write preprocessor_config.json; without it the architecture's default applies.</param>
    internal static string Write(string directory, int seed = 7, bool writeProcessor = true)
    {
        TinyCnnArchitecture.Register();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), new JsonObject { ["model_type"] = TinyCnnArchitecture.Type, ["channels"] = 4, ["hidden_size"] = 8 }.ToJsonString());
        if (writeProcessor)
        {
            File.WriteAllText(
                Path.Combine(directory, "preprocessor_config.json"),
                $"{{\"do_resize\": true, \"size\": {{\"height\": {ImageSize}, \"width\": {ImageSize}}}, \"resample\": 2, \"do_rescale\": true, \"rescale_factor\": 0.00392156862745098, \"do_normalize\": true, \"image_mean\": [0.5, 0.5, 0.5], \"image_std\": [0.5, 0.5, 0.5]}}");
        }

        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var encoder = new TinyCnnEncoder(4, 8);
        using (no_grad())
        {
            // Non-trivial running statistics, so a test can tell frozen statistics from updated ones.
            encoder.BatchNorm.running_mean!.copy_(rand(4) * 0.2);
            encoder.BatchNorm.running_var!.copy_(rand(4) + 0.5);
        }

        SafeTensorsFile.Write(Path.Combine(directory, "model.safetensors"), encoder.state_dict(), metadata: null);
        return directory;
    }
}
