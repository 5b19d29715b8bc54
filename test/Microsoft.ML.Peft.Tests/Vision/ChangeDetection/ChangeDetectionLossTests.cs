// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.ChangeDetection;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

/// <summary>BCE + Dice on masks worked out by hand.</summary>
public sealed class ChangeDetectionLossTests
{
    [Fact]
    public void Compute_IsCrossEntropyPlusSoftDice()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 2, -1, 0, -3 }, 1, 2, 2);
        var mask = tensor(new float[] { 1, 0, 1, 0 }, 1, 2, 2);
        double[] p = new[] { 2.0, -1, 0, -3 }.Select(z => 1 / (1 + Math.Exp(-z))).ToArray();
        double[] t = { 1, 0, 1, 0 };
        double bce = -Enumerable.Range(0, 4).Average(i => (t[i] * Math.Log(p[i])) + ((1 - t[i]) * Math.Log(1 - p[i])));
        double dice = 1 - (((2 * Enumerable.Range(0, 4).Sum(i => p[i] * t[i])) + 1) / (p.Sum() + t.Sum() + 1));

        Assert.Equal(dice, ChangeDetectionLoss.Dice(logits, mask).item<float>(), 5);
        Assert.Equal(bce + dice, ChangeDetectionLoss.Compute(logits, mask).item<float>(), 5);
    }

    [Fact]
    public void Compute_PunishesPredictingNoChange_WhereCrossEntropyAloneBarelyDoes()
    {
        using var scope = NewDisposeScope();

        // One changed pixel in a hundred, predicted as no change everywhere with confidence.
        var mask = zeros(1, 10, 10);
        mask[0, 0, 0] = tensor(1f);
        var noChange = full(1, 10, 10, -6f);

        double bce = nn.functional.binary_cross_entropy_with_logits(noChange, mask).item<float>();
        double dice = ChangeDetectionLoss.Dice(noChange, mask).item<float>();

        Assert.True(bce < 0.07, $"BCE {bce}");
        Assert.True(dice > 0.4, $"Dice {dice}");
    }

    [Fact]
    public void Compute_RefusesLogitsAndMasksOfDifferentShapes()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => ChangeDetectionLoss.Compute(zeros(1, 4, 4), zeros(1, 4, 5)));
        Assert.Contains("logits are 1 × 4 × 4 but the mask is 1 × 4 × 5", error.Message);
    }
}
