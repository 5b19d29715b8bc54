// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.ChangeDetection;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

/// <summary>The change class's precision, recall, F1, IoU and overall accuracy on masks counted by hand.</summary>
public sealed class ChangeMaskCountsTests
{
    [Fact]
    public void Of_CountsEachPixel_AndTheMetricsFollowFromTheCounts()
    {
        var counts = ChangeMaskCounts.Of(new[] { true, true, false, false, true }, new[] { true, false, true, false, false });

        Assert.Equal(new ChangeMaskCounts(1, 2, 1, 1), counts);
        Assert.Equal(1.0 / 3, counts.Precision, 12);
        Assert.Equal(0.5, counts.Recall, 12);
        Assert.Equal(0.4, counts.F1, 12);
        Assert.Equal(0.25, counts.IntersectionOverUnion, 12);
        Assert.Equal(0.4, counts.OverallAccuracy, 12);
    }

    [Fact]
    public void Sum_OverImages_IsTheCountOfAllTheirPixels()
    {
        bool[] p1 = { true, false, true }, t1 = { true, true, false };
        bool[] p2 = { false, false, true, true }, t2 = { false, true, true, true };

        var summed = ChangeMaskCounts.Of(p1, t1) + ChangeMaskCounts.Of(p2, t2);

        Assert.Equal(ChangeMaskCounts.Of(p1.Concat(p2).ToArray(), t1.Concat(t2).ToArray()), summed);
        Assert.Equal(new ChangeMaskCounts(3, 1, 2, 1), summed);
    }

    [Fact]
    public void NoChangeAnywhere_LeavesTheChangeClassMetricsUndefined_NotPerfect()
    {
        var none = ChangeMaskCounts.Of(new bool[4], new bool[4]);

        Assert.True(double.IsNaN(none.Precision));
        Assert.True(double.IsNaN(none.Recall));
        Assert.True(double.IsNaN(none.F1));
        Assert.True(double.IsNaN(none.IntersectionOverUnion));
        Assert.Equal(1.0, none.OverallAccuracy);

        // Change that is missed entirely: recall 0, precision undefined (nothing predicted).
        var missed = ChangeMaskCounts.Of(new bool[2], new[] { true, false });
        Assert.Equal(0, missed.Recall);
        Assert.True(double.IsNaN(missed.Precision));
        Assert.Equal(0, missed.F1);
        Assert.Equal(0, missed.IntersectionOverUnion);
    }

    [Fact]
    public void Of_MasksOfDifferentSizes_NamesBothSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => ChangeMaskCounts.Of(new bool[6], new bool[4]));
        Assert.Contains("6 pixels but the true mask has 4", error.Message);
    }
}
