// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>Reads a Hugging Face <c>config.json</c> as a JSON object, with errors that name the file.</summary>
internal static class ModelConfigJson
{
    internal const string FileName = "config.json";

    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a JSON object.</exception>
    internal static JsonObject Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model configuration '{path}' does not exist.", path);
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"'{path}' must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
