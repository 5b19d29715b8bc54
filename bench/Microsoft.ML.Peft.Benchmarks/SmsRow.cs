// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>One row of the SMS Spam Collection file, as ML.NET's text loader reads it (label, then message).</summary>
internal sealed class SmsRow
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}
