// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.NormTunedDetection;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.NormTunedDetection;

/// <summary>GenD's three-part loss on a batch worked out by hand.</summary>
public sealed class NormTunedDetectionLossTests
{
    [Fact]
    public void Compute_IsCrossEntropyPlusHalfUniformityPlusATenthOfAlignment()
    {
        using var scope = NewDisposeScope();

        // Unit features (1,0), (0,1), (−1,0): squared distances 2 (0–1), 4 (0–2), 2 (1–2); only 0–1 share a label.
        var features = tensor(new float[] { 1, 0, 0, 1, -1, 0 }, 3, 2);
        var labels = tensor(new long[] { 0, 0, 1 });
        var logits = tensor(new float[] { 2, 0, 0, 1, 1, 1 }, 3, 2);
        double uniformity = Math.Log(((2 * Math.Exp(-4)) + Math.Exp(-8)) / 3);
        double alignment = 2;
        double crossEntropy = (Nll(new[] { 2.0, 0 }, 0) + Nll(new[] { 0.0, 1 }, 0) + Nll(new[] { 1.0, 1 }, 1)) / 3;

        Assert.Equal(uniformity, NormTunedDetectionLoss.Uniformity(features).item<float>(), 5);
        Assert.Equal(alignment, NormTunedDetectionLoss.Alignment(features, labels).item<float>(), 5);
        Assert.Equal(crossEntropy + (0.5 * uniformity) + (0.1 * alignment), NormTunedDetectionLoss.Compute(features, logits, labels).item<float>(), 5);
    }

    [Fact]
    public void Compute_WithoutPairs_IsTheCrossEntropy()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0.5f, -0.5f }, 1, 2);

        var one = NormTunedDetectionLoss.Compute(tensor(new float[] { 0.6f, 0.8f }, 1, 2), logits, tensor(new long[] { 1 }));

        Assert.Equal(Nll(new[] { 0.5, -0.5 }, 1), one.item<float>(), 5);
        Assert.Equal(0f, NormTunedDetectionLoss.Alignment(tensor(new float[] { 1, 0, 0, 1 }, 2, 2), tensor(new long[] { 0, 1 })).item<float>());
    }

    [Fact]
    public void Compute_GivesFiniteGradients_EvenForIdenticalFeatures()
    {
        using var scope = NewDisposeScope();
        var features = tensor(new float[] { 1, 0, 1, 0, 0, 1 }, 3, 2).requires_grad_(true);
        var logits = zeros(3, 2).requires_grad_(true);

        NormTunedDetectionLoss.Compute(features, logits, tensor(new long[] { 0, 0, 1 })).backward();

        Assert.True(features.grad!.isfinite().all().item<bool>());
        Assert.True(features.grad!.abs().sum().item<float>() > 0);
        Assert.True(logits.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Uniformity_OfFarApartFeatures_IsFlooredAtLogOneMillionthAsGenDs()
    {
        using var scope = NewDisposeScope();

        // Two features 10 apart: exp(−2 · 100) is far below 1e-6, so GenD's clamp decides the value.
        var far = NormTunedDetectionLoss.Uniformity(tensor(new float[] { 0, 0, 10, 0 }, 2, 2));
        var near = NormTunedDetectionLoss.Uniformity(tensor(new float[] { 0, 0, 1, 0 }, 2, 2));

        Assert.Equal(Math.Log(1e-6), far.item<float>(), 4);
        Assert.Equal(-2.0, near.item<float>(), 5);
    }

    private static double Nll(double[] logits, int label) =>
        Math.Log(logits.Sum(Math.Exp)) - logits[label];
}
