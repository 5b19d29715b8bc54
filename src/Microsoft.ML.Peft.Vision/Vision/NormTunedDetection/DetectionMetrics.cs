// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// A detector's figures on scored data, as deepfake-detection papers report them: the area under the ROC curve, the equal
/// error rate and the accuracy at the predicted label. From <c>mlContext.Peft().EvaluateDetector</c>.
/// </summary>
public sealed class DetectionMetrics
{
    internal DetectionMetrics(double areaUnderRocCurve, double equalErrorRate, double accuracy, int positiveCount, int negativeCount)
    {
        AreaUnderRocCurve = areaUnderRocCurve;
        EqualErrorRate = equalErrorRate;
        Accuracy = accuracy;
        PositiveCount = positiveCount;
        NegativeCount = negativeCount;
    }

    /// <summary>The probability that a random positive scores above a random negative, ties counting one half (what ML.NET's binary evaluators report as AUC).</summary>
    public double AreaUnderRocCurve { get; }

    /// <summary>The error rate at the threshold where false positives and false negatives are equally frequent, interpolated between scores.</summary>
    public double EqualErrorRate { get; }

    /// <summary>The fraction of rows whose predicted label equals the label.</summary>
    public double Accuracy { get; }

    /// <summary>The rows whose label is true.</summary>
    public int PositiveCount { get; }

    /// <summary>The rows whose label is false.</summary>
    public int NegativeCount { get; }
}
