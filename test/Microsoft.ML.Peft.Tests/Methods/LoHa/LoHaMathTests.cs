// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.LoHa;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LoHa;

/// <summary>LoHa's ΔW, gradients, initializations and dropouts against PEFT's formulas, written out by hand.</summary>
public sealed class LoHaMathTests
{
    [Fact]
    public void LoHa_ForwardAndDelta_EqualScaledHadamardProductOfTwoLowRankProducts()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(new LoHaAdapterSettings(3, 6, 0, 0, InitWeights: false));
        var (w1A, w1B, w2A, w2B) = Factors(layer);
        Assert.Equal(new long[] { 20, 3 }, w1A.shape);
        Assert.Equal(new long[] { 3, 10 }, w1B.shape);
        Assert.Equal(new long[] { 20, 3 }, w2A.shape);
        Assert.Equal(new long[] { 3, 10 }, w2B.shape);

        var expectedDelta = 2.0 * w1A.matmul(w1B) * w2A.matmul(w2B);
        ModelState.AssertClose(expectedDelta, layer.GetDeltaWeight("default"), 1e-6, "ΔW = s·(w1_a·w1_b) ⊙ (w2_a·w2_b)");

        var x = randn(3, 10);
        linear.eval();
        ModelState.AssertClose(x.matmul(linear.weight.t()) + linear.bias! + x.matmul(expectedDelta.t()), linear.call(x), 1e-5, "LoHa forward");
    }

    [Fact]
    public void LoHa_Gradients_AreThoseOfTheWrittenOutProduct()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(new LoHaAdapterSettings(3, 6, 0, 0, InitWeights: false));
        var x = randn(5, 10);
        linear.call(x).pow(2).sum().backward();
        var factors = layer.Factors("default");
        var actual = new[] { factors.W1A, factors.W1B, factors.W2A, factors.W2B }.Select(p => p.grad!.clone()).ToArray();

        var copies = new[] { factors.W1A, factors.W1B, factors.W2A, factors.W2B }.Select(p => p.detach().clone().requires_grad_()).ToArray();
        var delta = 2.0 * copies[0].matmul(copies[1]) * copies[2].matmul(copies[3]);
        (x.matmul(linear.weight.detach().t()) + linear.bias!.detach() + x.matmul(delta.t())).pow(2).sum().backward();

        for (int i = 0; i < 4; i++)
        {
            ModelState.AssertClose(copies[i].grad!, actual[i], 1e-4, $"gradient of factor {i}");
        }
    }

    [Theory]
    [InlineData(768, 768, 8, 2 * 8 * (768 + 768))]
    [InlineData(10, 20, 3, 2 * 3 * (10 + 20))]
    public void LoHa_TrainableParameterCount_Is2rTimesInPlusOut(int inFeatures, int outFeatures, int rank, long expected)
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("proj", nn.Linear(inFeatures, outFeatures)));
        using var peft = PeftModel.Create(model, new LoHaConfig { Rank = rank, TargetModules = ModuleSelector.FromNames("proj") });
        Assert.Equal(expected, peft.GetTrainableParameterReport().TrainableParameters);
    }

    [Fact]
    public void LoHa_DefaultInit_ZeroesOnlyW2B()
    {
        using var scope = NewDisposeScope();
        var (layer, _) = Create(new LoHaAdapterSettings(4, 8, 0, 0, InitWeights: true));
        var (w1A, w1B, w2A, w2B) = Factors(layer);

        Assert.Equal(0f, w2B.abs().max().item<float>());
        foreach (var factor in new[] { w1A, w1B, w2A })
        {
            Assert.InRange(factor.abs().max().item<float>(), 1e-3, 1.0 / Math.Sqrt(factor.shape[1]));
        }

        Assert.Equal(0f, layer.GetDeltaWeight("default").abs().max().item<float>());
    }

    [Fact]
    public void LoHa_RankDropout_ZeroesWholeRowsAndAlwaysDividesByTheKeptFraction()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (layer, linear) = Create(new LoHaAdapterSettings(3, 6, 0.5, 0, InitWeights: false));
        var x = randn(4, 10);
        var full = x.matmul(layer.GetDeltaWeight("default").detach().t());
        var baseOutput = (x.matmul(linear.weight.t()) + linear.bias!).detach();

        linear.train();
        var added = linear.call(x).detach() - baseOutput;

        var kept = added.abs().sum(new long[] { 0 }) > 1e-6;
        long keptRows = kept.sum().item<long>();
        Assert.InRange(keptRows, 1, 19);
        ModelState.AssertClose(full * kept.to(ScalarType.Float32) * (20.0 / keptRows), added, 1e-5, "kept rows divided by the kept fraction");
    }

    [Fact]
    public void LoHa_ModuleDropout_SkipsTheWholeAdapterInSomeTrainingForwards()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var (_, linear) = Create(new LoHaAdapterSettings(3, 6, 0, 0.5, InitWeights: false));
        var x = randn(4, 10);
        var baseOutput = (x.matmul(linear.weight.t()) + linear.bias!).detach();

        linear.train();
        int skipped = Enumerable.Range(0, 40).Count(_ => ModelState.MaxAbsDifference(baseOutput, linear.call(x).detach()) < 1e-6);
        Assert.InRange(skipped, 8, 32);
    }

    private static (LoHaLinear Layer, Linear Linear) Create(LoHaAdapterSettings settings)
    {
        var linear = nn.Linear(10, 20);
        var layer = new LoHaLinear("lin", linear);
        layer.AddAdapter("default", settings);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }

    private static (Tensor W1A, Tensor W1B, Tensor W2A, Tensor W2B) Factors(LoHaLinear layer)
    {
        var (w1A, w1B, w2A, w2B) = layer.Factors("default");
        return (w1A.detach(), w1B.detach(), w2A.detach(), w2B.detach());
    }
}
