// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace TextClassification;

/// <summary>One row of data/SMSSpamCollection.tsv: "ham" or "spam", then the message.</summary>
public sealed class SmsMessage
{
    [LoadColumn(0)]
    public string Label { get; set; } = string.Empty;

    [LoadColumn(1)]
    public string Text { get; set; } = string.Empty;
}

/// <summary>What the trained pipeline returns for a message.</summary>
public sealed class SmsPrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = Array.Empty<float>();
}
