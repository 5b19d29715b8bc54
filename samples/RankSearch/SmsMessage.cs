// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace RankSearch;

/// <summary>One row of the SMS Spam Collection: "ham" or "spam", and the message.</summary>
public sealed class SmsMessage
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}
