// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Tests.Backbones.TinyVision;

/// <summary>The tiny-vision preprocessor: the per-channel mean and standard deviation of <c>preprocessor_config.json</c>.</summary>
internal sealed class TinyImageProcessor : IBackbonePreprocessor
{
    internal const string FileName = "preprocessor_config.json";

    private TinyImageProcessor(IReadOnlyDictionary<string, byte[]> files, float[] mean, float[] std)
    {
        Files = files;
        Mean = mean;
        Std = std;
    }

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    internal float[] Mean { get; }

    internal float[] Std { get; }

    /// <exception cref="InvalidDataException">The file is not JSON or lacks <c>image_mean</c>/<c>image_std</c>.</exception>
    internal static TinyImageProcessor FromFiles(IReadOnlyDictionary<string, byte[]> files)
    {
        try
        {
            var json = JsonNode.Parse(files[FileName]) as JsonObject ?? throw new InvalidDataException($"{FileName} must hold a JSON object.");
            float[] Values(string name) =>
                (json[name] as JsonArray)?.Select(v => v!.GetValue<float>()).ToArray() ?? throw new InvalidDataException($"{FileName} has no \"{name}\".");
            return new TinyImageProcessor(files, Values("image_mean"), Values("image_std"));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{FileName}: {ex.Message}", ex);
        }
    }
}
