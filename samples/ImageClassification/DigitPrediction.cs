// Licensed under the MIT license. See LICENSE in the repository root.

namespace ImageClassification;

/// <summary>One prediction: the digit and the probability of each class.</summary>
internal sealed class DigitPrediction
{
    public string PredictedDigit { get; set; } = string.Empty;

    public float[] Score { get; set; } = Array.Empty<float>();
}
