// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>The <c>expected.json</c> files the Python fixtures carry: nested number lists read as tensors of their shape.</summary>
internal static class FixtureJson
{
    /// <summary>A fixture's JSON file under <c>../shared/fixtures</c>.</summary>
    internal static JsonObject Read(string relativePath) =>
        JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(relativePath.Split('/'))))!.AsObject();

    /// <summary>A nested JSON array of numbers as a tensor of its shape (float32, or int64 for token ids).</summary>
    internal static Tensor Tensor(JsonNode node, ScalarType type = ScalarType.Float32)
    {
        var shape = new List<long>();
        for (var level = node; level is JsonArray array; level = array.Count > 0 ? array[0] : null)
        {
            shape.Add(array.Count);
        }

        var values = new List<double>();
        Flatten(node, values);
        var result = type == ScalarType.Int64
            ? tensor(values.Select(v => (long)v).ToArray())
            : tensor(values.Select(v => (float)v).ToArray());
        return result.reshape(shape.ToArray());
    }

    private static void Flatten(JsonNode? node, List<double> values)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                Flatten(item, values);
            }
        }
        else
        {
            values.Add(node!.GetValue<double>());
        }
    }
}
