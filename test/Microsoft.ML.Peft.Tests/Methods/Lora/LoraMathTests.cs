// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Lora;

/// <summary>LoRA, rsLoRA, DoRA and the initializations against the formulas of PEFT, written out by hand.</summary>
public sealed class LoraMathTests
{
    [Theory]
    [InlineData(false, 16.0 / 4)]
    [InlineData(true, 16.0 / 2)]
    public void LoraLinear_Forward_EqualsBasePlusScaledLowRankProduct(bool useRsLora, double expectedScaling)
    {
        using var scope = NewDisposeScope();
        var (layer, linear, a, b) = CreateLinear(new LoraAdapterSettings(4, 16, 0, useRsLora, false, false, LoraInitialization.Random, null));
        var x = randn(3, 6);

        var expected = x.matmul(linear.weight.t()) + linear.bias! + expectedScaling * x.matmul(a.t()).matmul(b.t());

        ModelState.AssertClose(expected, linear.call(x), 1e-5, "LoRA forward");
        ModelState.AssertClose(expectedScaling * b.matmul(a), layer.GetDeltaWeight("default"), 1e-6, "ΔW = s·B·A");
        Assert.Equal(expectedScaling, layer.Settings("default").Scaling, 12);
    }

    [Fact]
    public void DoraLinear_Forward_RescalesRowsOfTheUpdatedWeightByMagnitudeOverNorm()
    {
        using var scope = NewDisposeScope();
        var (layer, linear, a, b) = CreateLinear(new LoraAdapterSettings(4, 8, 0, false, true, false, LoraInitialization.Random, null));
        var magnitude = layer.Magnitude("default");
        using (no_grad())
        {
            magnitude.mul_(rand(magnitude.shape) + 0.5);
        }

        var x = randn(3, 6);
        var updated = linear.weight + 2.0 * b.matmul(a);
        var rowNorm = updated.pow(2).sum(1).sqrt();
        var expected = (magnitude / rowNorm).view(1, -1) * x.matmul(updated.t()) + linear.bias!;

        ModelState.AssertClose(expected, linear.call(x), 1e-5, "DoRA forward");
    }

    [Fact]
    public void DoraLinear_Gradients_TreatTheWeightNormAsConstant()
    {
        using var scope = NewDisposeScope();
        var (layer, linear, a, b) = CreateLinear(new LoraAdapterSettings(4, 8, 0, false, true, false, LoraInitialization.Random, null));
        var magnitude = layer.Magnitude("default");
        var x = randn(5, 6);

        linear.call(x).pow(2).sum().backward();
        var (gradA, gradB, gradM) = (a.grad!.clone(), b.grad!.clone(), magnitude.grad!.clone());

        // The same function with the norm detached (DoRA paper §4.3), differentiated by autograd.
        var a2 = a.detach().clone().requires_grad_();
        var b2 = b.detach().clone().requires_grad_();
        var m2 = magnitude.detach().clone().requires_grad_();
        var updated = linear.weight.detach() + 2.0 * b2.matmul(a2);
        var norm = (linear.weight.detach() + 2.0 * b2.matmul(a2).detach()).pow(2).sum(1).sqrt().detach();
        ((m2 / norm).view(1, -1) * x.matmul(updated.t()) + linear.bias!.detach()).pow(2).sum().backward();

        ModelState.AssertClose(a2.grad!, gradA, 1e-4, "∂/∂A");
        ModelState.AssertClose(b2.grad!, gradB, 1e-4, "∂/∂B");
        ModelState.AssertClose(m2.grad!, gradM, 1e-4, "∂/∂m");
    }

    [Fact]
    public void DoraLinear_MagnitudeAtInit_IsRowNormOfBaseWeight()
    {
        using var scope = NewDisposeScope();
        var (layer, linear, _, _) = CreateLinear(new LoraAdapterSettings(4, 8, 0, false, true, false, LoraInitialization.Default, null));
        ModelState.AssertClose(linear.weight.pow(2).sum(1).sqrt(), layer.Magnitude("default"), 1e-6, "m at init");
    }

    [Fact]
    public void LoraEmbedding_Forward_AddsScaledLookupOfATransposedTimesBTransposed()
    {
        using var scope = NewDisposeScope();
        var embedding = nn.Embedding(20, 5);
        var layer = new LoraEmbedding("embed", embedding);
        layer.AddAdapter("default", new LoraAdapterSettings(3, 6, 0, false, false, false, LoraInitialization.Random, null));
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        var a = layer.AdapterParameters("default").Single(p => p.Name.StartsWith("lora_embedding_A", StringComparison.Ordinal)).Parameter;
        var b = layer.AdapterParameters("default").Single(p => p.Name.StartsWith("lora_embedding_B", StringComparison.Ordinal)).Parameter;
        var ids = tensor(new long[] { 0, 7, 19, 7 }).view(2, 2);

        var expected = embedding.weight![ids] + 2.0 * a.t()[ids].matmul(b.t());

        ModelState.AssertClose(expected, embedding.call(ids), 1e-5, "embedding LoRA forward");
        ModelState.AssertClose(2.0 * b.matmul(a).t(), layer.GetDeltaWeight("default"), 1e-6, "ΔE = s·(B·A)ᵀ");
    }

    [Fact]
    public void DefaultInit_DrawsAFromKaimingUniformSqrt5AndZerosB()
    {
        using var scope = NewDisposeScope();
        var (_, _, a, b) = CreateLinear(new LoraAdapterSettings(64, 8, 0, false, false, false, LoraInitialization.Default, null), inFeatures: 400);
        double bound = 1.0 / Math.Sqrt(400);
        double largest = a.abs().max().item<float>();

        Assert.InRange(largest, 0.95 * bound, bound);
        Assert.Equal(0f, b.abs().max().item<float>());
    }

    [Fact]
    public void GaussianInit_DrawsAWithStandardDeviationOneOverRank()
    {
        using var scope = NewDisposeScope();
        var (_, _, a, b) = CreateLinear(new LoraAdapterSettings(16, 8, 0, false, false, false, LoraInitialization.Gaussian, null), inFeatures: 2000);

        Assert.InRange(a.std().item<float>(), 0.95 / 16, 1.05 / 16);
        Assert.Equal(0f, b.abs().max().item<float>());
    }

    [Fact]
    public void PiSSAInit_TakesTopSingularTripletsAndLeavesTheResidualInTheBase()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(12, 10);
        var original = linear.weight.detach().clone();
        var layer = new LoraLinear("lin", linear);
        layer.AddAdapter("default", new LoraAdapterSettings(3, 6, 0, false, false, false, LoraInitialization.PiSSA, null));

        var (u, s, vh) = linalg.svd(original, fullMatrices: false);
        var topRank = u.narrow(1, 0, 3).matmul(diag(s.narrow(0, 0, 3))).matmul(vh.narrow(0, 0, 3));
        var delta = layer.GetDeltaWeight("default");

        ModelState.AssertClose(topRank, delta, 1e-4, "s·B·A = top-r SVD part of W");
        ModelState.AssertClose(original - topRank, linear.weight, 1e-4, "residual base weight");
    }

    [Fact]
    public void OLoRAInit_TakesOrthonormalQAndLeavesTheResidualInTheBase()
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(12, 10);
        var original = linear.weight.detach().clone();
        var layer = new LoraLinear("lin", linear);
        layer.AddAdapter("default", new LoraAdapterSettings(3, 6, 0, false, false, false, LoraInitialization.OLoRA, null));
        var b = layer.B("default").weight;

        ModelState.AssertClose(eye(3), b.t().matmul(b), 1e-5, "BᵀB = I");
        ModelState.AssertClose(original, linear.weight + layer.GetDeltaWeight("default"), 1e-5, "W_res + s·B·A = W");
    }

    [Fact]
    public void LowRankSvd_OnAnExactlyLowRankMatrix_RecoversIt()
    {
        using var scope = NewDisposeScope();
        var matrix = randn(30, 4).matmul(randn(4, 20));
        var (u, s, v) = LoraInitializer.LowRankSvd(matrix, 4, iterations: 2);
        ModelState.AssertClose(matrix, u.matmul(diag(s)).matmul(v.t()), 1e-3, "randomized SVD reconstruction");
    }

    private static (LoraLinear Layer, Linear Linear, Parameter A, Parameter B) CreateLinear(LoraAdapterSettings settings, int inFeatures = 6)
    {
        var linear = nn.Linear(inFeatures, 7);
        var layer = new LoraLinear("lin", linear);
        layer.AddAdapter("default", settings);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear, layer.A("default").weight, layer.B("default").weight);
    }
}
