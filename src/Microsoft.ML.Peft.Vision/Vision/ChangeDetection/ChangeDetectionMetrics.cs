// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// A change detector's figures for the change class on scored data, from pixel counts summed over every row, as LEVIR-CD
/// results are reported. A ratio whose denominator is zero (the precision of a detector that never predicts change, the
/// recall on data without change) is NaN, so an empty class cannot pass for a score. From
/// <c>mlContext.Peft().EvaluateChangeDetector</c>.
/// </summary>
public sealed class ChangeDetectionMetrics
{
    internal ChangeDetectionMetrics(long truePositives, long falsePositives, long falseNegatives, long trueNegatives, double precision, double recall, double f1Score, double intersectionOverUnion, double overallAccuracy)
    {
        TruePositives = truePositives;
        FalsePositives = falsePositives;
        FalseNegatives = falseNegatives;
        TrueNegatives = trueNegatives;
        Precision = precision;
        Recall = recall;
        F1Score = f1Score;
        IntersectionOverUnion = intersectionOverUnion;
        OverallAccuracy = overallAccuracy;
    }

    /// <summary>Change pixels predicted as change, over all pixels predicted as change: TP / (TP + FP).</summary>
    public double Precision { get; }

    /// <summary>Change pixels predicted as change, over all change pixels: TP / (TP + FN).</summary>
    public double Recall { get; }

    /// <summary>The harmonic mean of precision and recall: 2·TP / (2·TP + FP + FN).</summary>
    public double F1Score { get; }

    /// <summary>The intersection over union of predicted and true change: TP / (TP + FP + FN).</summary>
    public double IntersectionOverUnion { get; }

    /// <summary>Pixels classified correctly, change or not, over all pixels.</summary>
    public double OverallAccuracy { get; }

    /// <summary>Change pixels predicted as change.</summary>
    public long TruePositives { get; }

    /// <summary>Unchanged pixels predicted as change.</summary>
    public long FalsePositives { get; }

    /// <summary>Change pixels predicted as unchanged.</summary>
    public long FalseNegatives { get; }

    /// <summary>Unchanged pixels predicted as unchanged.</summary>
    public long TrueNegatives { get; }
}
