// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Formats;

/// <summary>Typed reads and Python-compatible writes of JSON values (<c>adapter_config.json</c>, <c>config.json</c>).</summary>
/// <remarks>Reads throw <see cref="FormatException"/> naming the field, the expected type and the value found.</remarks>
internal static class JsonValues
{
    internal static int Int(JsonNode? node, string field)
    {
        if (TryGetNumber(node, out double number) && number == Math.Floor(number) && number >= int.MinValue && number <= int.MaxValue)
        {
            return (int)number;
        }

        throw Expected(field, "an integer", node);
    }

    internal static double Number(JsonNode? node, string field) =>
        TryGetNumber(node, out double number) ? number : throw Expected(field, "a number", node);

    internal static bool Bool(JsonNode? node, string field) =>
        node?.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Expected(field, "true or false", node),
        };

    internal static string? OptionalString(JsonNode? node, string field) =>
        node is null ? null
        : node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>()
        : throw Expected(field, "a string or null", node);

    /// <summary>null, a single string (PEFT accepts both forms), or a list of strings.</summary>
    internal static IReadOnlyList<string>? OptionalStringList(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonValue when node.GetValueKind() == JsonValueKind.String => new[] { node.GetValue<string>() },
        JsonArray array => array.Select(item => item?.GetValueKind() == JsonValueKind.String
            ? item.GetValue<string>()
            : throw Expected(field, "a list of strings", node)).ToArray(),
        _ => throw Expected(field, "a string, a list of strings or null", node),
    };

    /// <summary>null, a single integer, or a list of integers.</summary>
    internal static IReadOnlyList<int>? OptionalIntList(JsonNode? node, string field) => node switch
    {
        null => null,
        JsonArray array => array.Select(item => Int(item, field)).ToArray(),
        _ => new[] { Int(node, field) },
    };

    internal static Dictionary<string, T> Dictionary<T>(JsonNode? node, string field, Func<JsonNode?, string, T> read) => node switch
    {
        null => new Dictionary<string, T>(),
        JsonObject obj => obj.ToDictionary(p => p.Key, p => read(p.Value, $"{field}.{p.Key}")),
        _ => throw Expected(field, "an object", node),
    };

    internal static JsonNode? StringList(IEnumerable<string>? values) =>
        values is null ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    internal static JsonNode? IntList(IEnumerable<int>? values) =>
        values is null ? null : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>An integral value as a JSON integer, anything else as a float (PEFT types alpha as int but accepts floats).</summary>
    internal static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15 ? JsonValue.Create((long)value) : PythonFloat(value);

    /// <summary>A float as Python's json writes it: always with a fraction or exponent, e.g. 0.0 and 0.1.</summary>
    internal static JsonNode PythonFloat(double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (!text.Contains('.') && !text.Contains('E'))
        {
            text += ".0";
        }

        return JsonNode.Parse(text)!;
    }

    /// <summary>Equal as values: numbers compare numerically (1 equals 1.0), objects ignore key order.</summary>
    internal static bool SemanticallyEqual(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (TryGetNumber(a, out double left) && TryGetNumber(b, out double right))
        {
            return left == right;
        }

        return (a, b) switch
        {
            (JsonArray x, JsonArray y) => x.Count == y.Count && x.Zip(y).All(p => SemanticallyEqual(p.First, p.Second)),
            (JsonObject x, JsonObject y) => x.Count == y.Count
                && x.All(p => y.TryGetPropertyValue(p.Key, out var other) && SemanticallyEqual(p.Value, other)),
            _ => JsonNode.DeepEquals(a, b),
        };
    }

    // Through the JSON text: a node parsed from a file and one created from an int or a double read alike.
    private static bool TryGetNumber(JsonNode? node, out double number)
    {
        number = 0;
        return node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    private static FormatException Expected(string field, string expected, JsonNode? actual) =>
        new($"`{field}` must be {expected}, got {actual?.ToJsonString() ?? "null"}.");
}
