// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>How results are written: camelCase JSON, one line between processes, indented in the report.</summary>
internal static class ResultJson
{
    internal static JsonSerializerOptions Compact { get; } = Create(indented: false);

    internal static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = indented,

        // Keep ≤, ≥ and × readable in the report (it is markdown, not HTML).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
