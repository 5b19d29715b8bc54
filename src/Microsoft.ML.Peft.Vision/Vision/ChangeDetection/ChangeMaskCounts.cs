// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// Pixel counts of a change mask against the truth, summed over a whole evaluation set (as change-detection benchmarks
/// report LEVIR-CD), and the metrics of the change class from them. A ratio whose denominator is zero is NaN (undefined, for
/// example the precision of a model that never predicts change), not 0 or 1, so an empty class cannot pass for a score.
/// </summary>
internal readonly record struct ChangeMaskCounts(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    /// <summary>Change pixels predicted as change, over all predicted change.</summary>
    internal double Precision => Ratio(TruePositives, TruePositives + FalsePositives);

    /// <summary>Change pixels found, over all true change.</summary>
    internal double Recall => Ratio(TruePositives, TruePositives + FalseNegatives);

    /// <summary>The harmonic mean of precision and recall: 2·TP / (2·TP + FP + FN).</summary>
    internal double F1 => Ratio(2 * TruePositives, (2 * TruePositives) + FalsePositives + FalseNegatives);

    /// <summary>Intersection over union of the change class: TP / (TP + FP + FN).</summary>
    internal double IntersectionOverUnion => Ratio(TruePositives, TruePositives + FalsePositives + FalseNegatives);

    /// <summary>Pixels classified correctly, change or not, over all pixels.</summary>
    internal double OverallAccuracy => Ratio(TruePositives + TrueNegatives, TruePositives + FalsePositives + FalseNegatives + TrueNegatives);

    /// <summary>The counts of one predicted mask against its truth, pixel by pixel.</summary>
    /// <exception cref="ArgumentException">The masks differ in size; the message gives both sizes.</exception>
    internal static ChangeMaskCounts Of(ReadOnlySpan<bool> predicted, ReadOnlySpan<bool> truth)
    {
        if (predicted.Length != truth.Length)
        {
            throw new ArgumentException($"The predicted mask has {predicted.Length} pixels but the true mask has {truth.Length}; both must have the image's size.", nameof(truth));
        }

        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            switch ((predicted[i], truth[i]))
            {
                case (true, true): tp++; break;
                case (true, false): fp++; break;
                case (false, true): fn++; break;
                default: tn++; break;
            }
        }

        return new ChangeMaskCounts(tp, fp, fn, tn);
    }

    /// <summary>The counts of two sets of pixels together.</summary>
    public static ChangeMaskCounts operator +(ChangeMaskCounts a, ChangeMaskCounts b) => new(
        a.TruePositives + b.TruePositives, a.FalsePositives + b.FalsePositives, a.FalseNegatives + b.FalseNegatives, a.TrueNegatives + b.TrueNegatives);

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : numerator / (double)denominator;
}
