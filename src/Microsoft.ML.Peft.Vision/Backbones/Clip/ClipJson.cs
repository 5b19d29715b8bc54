// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// Reads of optional CLIP <c>config.json</c> fields: Hugging Face's CLIP configuration classes give every field a default, so an
/// absent field takes it, while a present but malformed one is an error naming <c>section.field</c>.
/// </summary>
internal static class ClipJson
{
    /// <summary>The integer <paramref name="field"/> of <paramref name="section"/>, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="FormatException">The value is not an integer.</exception>
    internal static int Int(JsonObject section, string? sectionName, string field, int fallback) =>
        section[field] is { } node ? JsonValues.Int(node, Qualified(sectionName, field)) : fallback;

    /// <summary>The number <paramref name="field"/> of <paramref name="section"/>, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="FormatException">The value is not a number.</exception>
    internal static double Number(JsonObject section, string? sectionName, string field, double fallback) =>
        section[field] is { } node ? JsonValues.Number(node, Qualified(sectionName, field)) : fallback;

    /// <summary>Throws unless <paramref name="value"/> is positive.</summary>
    /// <exception cref="FormatException">It is not; the message names the field and the value.</exception>
    internal static void RequirePositive(string? sectionName, string field, int value)
    {
        if (value <= 0)
        {
            throw new FormatException($"`{Qualified(sectionName, field)}` must be positive, got {value}.");
        }
    }

    /// <summary>The sub-object <paramref name="field"/> of the root (<c>text_config</c>), empty when absent so every field takes its default.</summary>
    /// <exception cref="FormatException">The value is not a JSON object.</exception>
    internal static JsonObject Section(JsonObject root, string field) => root[field] switch
    {
        null => new JsonObject(),
        JsonObject section => section,
        var other => throw new FormatException($"`{field}` must be an object, got {other.ToJsonString()}."),
    };

    private static string Qualified(string? sectionName, string field) => sectionName is null ? field : $"{sectionName}.{field}";
}
