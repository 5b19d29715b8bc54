// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Vision.NormTunedDetection;

namespace Microsoft.ML.Peft.Tests.Vision.NormTunedDetection;

/// <summary>AUROC and EER on cases worked out by hand, ties and a missing class included, and AUROC against ML.NET's evaluator.</summary>
public sealed class DetectionScoreMetricsTests
{
    public static TheoryData<float[], bool[], double, double> HandComputed => new()
    {
        // Perfect ranking: every positive above every negative.
        { new[] { 0.9f, 0.8f, 0.1f, 0.2f }, new[] { true, true, false, false }, 1.0, 0.0 },

        // Inverted ranking.
        { new[] { 0.1f, 0.2f, 0.8f, 0.9f }, new[] { true, true, false, false }, 0.0, 1.0 },

        // One score for all: no ranking at all; the ROC curve is the diagonal's end points.
        { new[] { 0.5f, 0.5f, 0.5f, 0.5f }, new[] { true, false, true, false }, 0.5, 0.5 },

        // A tie across classes at 0.5: pairs (0.8,0.5) (0.8,0.2) (0.5,0.2) won, (0.5,0.5) half: 3.5 / 4. ROC points
        // (FPR, FNR): (0, 1) → (0, 0.5) at 0.8 → (0.5, 0) at 0.5; the rates cross halfway along the second segment, at 0.25.
        { new[] { 0.8f, 0.5f, 0.5f, 0.2f }, new[] { true, true, false, false }, 0.875, 0.25 },

        // Three positives, two negatives: wins 2 + 2 + 1 = 5 of 6. ROC (FPR, FNR): (0, 1) → (0, 2/3) → (0, 1/3) → (1/2, 1/3)
        // → (1/2, 0) → (1, 0); FPR reaches FNR on the third segment, at 1/3.
        { new[] { 0.9f, 0.7f, 0.6f, 0.4f, 0.1f }, new[] { true, true, false, true, false }, 5.0 / 6, 1.0 / 3 },
    };

    [Theory]
    [MemberData(nameof(HandComputed))]
    public void Metrics_EqualTheHandComputedValues(float[] scores, bool[] labels, double auroc, double eer)
    {
        Assert.Equal(auroc, DetectionScoreMetrics.AreaUnderRocCurve(scores, labels), 12);
        Assert.Equal(eer, DetectionScoreMetrics.EqualErrorRate(scores, labels), 12);
    }

    [Fact]
    public void AreaUnderRocCurve_EqualsMlNetsBinaryEvaluator_OnScoresWithTies()
    {
        var random = new Random(7);
        var rows = Enumerable.Range(0, 400)
            .Select(_ => random.NextDouble() < 0.4)
            .Select(label => new ScoredRow { Label = label, Score = MathF.Round((float)(random.NextDouble() + (label ? 0.3 : 0)), 1) })
            .ToList();
        var ml = new MLContext(seed: 1);

        var metrics = ml.BinaryClassification.EvaluateNonCalibrated(ml.Data.LoadFromEnumerable(rows));

        Assert.Equal(metrics.AreaUnderRocCurve, DetectionScoreMetrics.AreaUnderRocCurve(rows.Select(r => r.Score).ToList(), rows.Select(r => r.Label).ToList()), 6);
    }

    [Fact]
    public void Metrics_WithOneClassMissing_SayWhyTheyAreUndefined()
    {
        var error = Assert.Throws<ArgumentException>(() => DetectionScoreMetrics.EqualErrorRate(new[] { 0.2f, 0.9f }, new[] { true, true }));
        Assert.Contains("2 positive and 0 negative", error.Message);
        Assert.Throws<ArgumentException>(() => DetectionScoreMetrics.AreaUnderRocCurve(new[] { 0.2f }, new[] { false }));
    }

    [Fact]
    public void Metrics_RefuseNaNScoresAndMismatchedLengths()
    {
        var nan = Assert.Throws<ArgumentException>(() => DetectionScoreMetrics.AreaUnderRocCurve(new[] { 0.2f, float.NaN }, new[] { true, false }));
        Assert.Contains("Score 1 is NaN", nan.Message);
        var length = Assert.Throws<ArgumentException>(() => DetectionScoreMetrics.EqualErrorRate(new[] { 0.2f }, new[] { true, false }));
        Assert.Contains("1 scores but 2 labels", length.Message);
    }

    private sealed class ScoredRow
    {
        public bool Label { get; set; }

        public float Score { get; set; }

        public bool PredictedLabel => Score > 0.8f;
    }
}
