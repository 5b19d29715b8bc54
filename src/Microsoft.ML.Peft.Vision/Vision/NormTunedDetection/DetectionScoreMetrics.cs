// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.NormTunedDetection;

/// <summary>
/// Threshold-free metrics of a detector's scores (higher means more likely positive, e.g. fake): the area under the ROC
/// curve and the equal error rate, the figures deepfake-detection papers report. Tied scores count as one threshold, so a
/// detector that gives every example the same score has an AUROC of 0.5 and an EER of 0.5.
/// </summary>
internal static class DetectionScoreMetrics
{
    /// <summary>
    /// The probability that a random positive scores above a random negative, ties counting one half (the Mann–Whitney
    /// statistic, equal to the trapezoidal area under the ROC curve, as scikit-learn's <c>roc_auc_score</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, a score is NaN, or one class is absent (the area is undefined).</exception>
    internal static double AreaUnderRocCurve(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        var groups = GroupByScore(scores, labels, out int positives, out int negatives);
        double wins = 0;
        long negativesBelow = 0;
        for (int g = groups.Count - 1; g >= 0; g--)
        {
            // Ascending scores: every negative in a lower group is beaten; those in the same group tie.
            var (groupPositives, groupNegatives) = groups[g];
            wins += groupPositives * (negativesBelow + (groupNegatives / 2.0));
            negativesBelow += groupNegatives;
        }

        return wins / ((double)positives * negatives);
    }

    /// <summary>
    /// The error rate where the false-positive rate equals the false-negative rate. The ROC curve is walked from the highest
    /// score down, one point per distinct score; where the two rates cross between two points, the crossing is interpolated
    /// linearly, as the ROC curve is between its points.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, a score is NaN, or one class is absent.</exception>
    internal static double EqualErrorRate(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        var groups = GroupByScore(scores, labels, out int positives, out int negatives);
        double previousFalsePositive = 0;
        double previousFalseNegative = 1;
        long truePositives = 0;
        long falsePositives = 0;
        foreach (var (groupPositives, groupNegatives) in groups)
        {
            truePositives += groupPositives;
            falsePositives += groupNegatives;
            double falsePositive = falsePositives / (double)negatives;
            double falseNegative = 1 - (truePositives / (double)positives);
            if (falsePositive >= falseNegative)
            {
                // FNR − FPR goes from > 0 at the previous point to ≤ 0 here: interpolate the crossing along the segment.
                double before = previousFalseNegative - previousFalsePositive;
                double after = falseNegative - falsePositive;
                double t = before / (before - after);
                return previousFalsePositive + (t * (falsePositive - previousFalsePositive));
            }

            previousFalsePositive = falsePositive;
            previousFalseNegative = falseNegative;
        }

        // Unreachable: at the lowest score every example is predicted positive, so FPR = 1 ≥ FNR = 0.
        throw new InvalidOperationException("The ROC curve did not reach (1, 1).");
    }

    // (positives, negatives) per distinct score, highest score first.
    private static List<(long Positives, long Negatives)> GroupByScore(IReadOnlyList<float> scores, IReadOnlyList<bool> labels, out int positives, out int negatives)
    {
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"There are {scores.Count} scores but {labels.Count} labels; each example needs one of each.", nameof(labels));
        }

        positives = labels.Count(l => l);
        negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new ArgumentException(
                $"The scores cover {positives} positive and {negatives} negative example(s); AUROC and EER need both classes. Evaluate on a set with both.",
                nameof(labels));
        }

        int nan = scores.ToList().FindIndex(float.IsNaN);
        if (nan >= 0)
        {
            throw new ArgumentException($"Score {nan} is NaN; the detector produced no usable score for that example.", nameof(scores));
        }

        var groups = new List<(long, long)>();
        foreach (var group in Enumerable.Range(0, scores.Count).GroupBy(i => scores[i]).OrderByDescending(g => g.Key))
        {
            long p = group.LongCount(i => labels[i]);
            groups.Add((p, group.LongCount() - p));
        }

        return groups;
    }
}
