// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.DyLora;
using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.DyLora;

/// <summary>DyLoRA's nested ranks against a plain LoRA of the truncated factors, and its rank sampling.</summary>
public sealed class DyLoraLinearTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void DyLoraLinear_EvalAtRankB_EqualsPlainLoraOfTheTruncatedFactors(int rank)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var (layer, linear) = CreateLinear(new DyLoraAdapterSettings(4, 6, 0, false, 0));
        RandomizeB(layer);
        layer.SetEvaluationRank("default", rank);

        var plainLinear = nn.Linear(6, 5);
        using (no_grad())
        {
            plainLinear.weight.copy_(linear.weight);
            plainLinear.bias!.copy_(linear.bias!);
        }

        var lora = new LoraLinear("lin", plainLinear);
        lora.AddAdapter("default", new LoraAdapterSettings(rank, 6, 0, false, false, false, LoraInitialization.Random, null));
        using (no_grad())
        {
            lora.A("default").weight.copy_(layer.A("default").weight.narrow(0, 0, rank));
            lora.B("default").weight.copy_(layer.B("default").weight.narrow(1, 0, rank));
        }

        lora.ActiveAdapters = new[] { "default" };
        lora.Attach();
        var x = randn(3, 6);
        linear.eval();
        plainLinear.eval();

        ModelState.AssertClose(plainLinear.call(x), linear.call(x), 1e-6, $"DyLoRA at rank {rank} vs LoRA r={rank}, alpha=6");
        ModelState.AssertClose(lora.GetDeltaWeight("default"), layer.GetDeltaWeight("default"), 1e-6, "ΔW at the chosen rank");
    }

    [Fact]
    public void DyLoraLinear_TrainingForward_UsesTheSampledRankOfItsStep()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var (layer, linear) = CreateLinear(new DyLoraAdapterSettings(4, 8, 0, false, 11));
        RandomizeB(layer);
        linear.train();
        var x = randn(3, 6);
        for (long step = 0; step < 6; step++)
        {
            int b = DyLoraRankSampler.Sample(11, step, 4);
            var a = layer.A("default").weight.narrow(0, 0, b);
            var bb = layer.B("default").weight.narrow(1, 0, b);
            var expected = x.matmul(linear.weight.t()) + linear.bias! + (8.0 / b) * x.matmul(a.t()).matmul(bb.t());
            ModelState.AssertClose(expected, linear.call(x), 1e-5, $"training step {step} at rank {b}");
        }

        Assert.Equal(6, layer.TrainingSteps("default"));
    }

    [Fact]
    public void DyLoraRankSampler_ManyDraws_AreUniformOverOneToMaxAndReproducible()
    {
        var counts = new int[9];
        for (long step = 0; step < 8000; step++)
        {
            int b = DyLoraRankSampler.Sample(3, step, 8);
            Assert.InRange(b, 1, 8);
            counts[b]++;
        }

        Assert.All(counts.Skip(1), c => Assert.InRange(c, 850, 1150));
        var first = Enumerable.Range(0, 50).Select(s => DyLoraRankSampler.Sample(3, s, 8)).ToList();
        Assert.Equal(first, Enumerable.Range(0, 50).Select(s => DyLoraRankSampler.Sample(3, s, 8)));
        Assert.NotEqual(first, Enumerable.Range(0, 50).Select(s => DyLoraRankSampler.Sample(4, s, 8)));
    }

    [Fact]
    public void DyLoraLinear_FrozenLowerRanks_OnlyTheBthRowAndColumnGetGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        var (layer, linear) = CreateLinear(new DyLoraAdapterSettings(4, 8, 0, true, 0));
        RandomizeB(layer);
        linear.train();
        int b = DyLoraRankSampler.Sample(0, 0, 4);
        linear.call(randn(3, 6)).pow(2).sum().backward();

        var gradA = layer.A("default").weight.grad!;
        var gradB = layer.B("default").weight.grad!;
        for (int i = 0; i < 4; i++)
        {
            bool trains = i == b - 1;
            Assert.Equal(trains, gradA[i].abs().sum().item<float>() > 0);
            Assert.Equal(trains, gradB[.., i].abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void DyLoraLinear_NotFrozen_AllRanksUpToBGetGradient()
    {
        using var scope = NewDisposeScope();
        manual_seed(9);
        var (layer, linear) = CreateLinear(new DyLoraAdapterSettings(4, 8, 0, false, 0));
        RandomizeB(layer);
        linear.train();
        int b = DyLoraRankSampler.Sample(0, 0, 4);
        linear.call(randn(3, 6)).pow(2).sum().backward();

        var gradA = layer.A("default").weight.grad!;
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(i < b, gradA[i].abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void DyLoraLinear_RankOutsideOneToMax_IsRefused()
    {
        using var scope = NewDisposeScope();
        var (layer, _) = CreateLinear(new DyLoraAdapterSettings(4, 8, 0, false, 0));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => layer.SetEvaluationRank("default", 5));
        Assert.Contains("[1, 4]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.SetEvaluationRank("default", 0));
    }

    internal static void RandomizeB(DyLoraLinear layer)
    {
        using var noGrad = no_grad();
        layer.B("default").weight.copy_(randn(layer.B("default").weight.shape));
    }

    private static (DyLoraLinear Layer, Linear Linear) CreateLinear(DyLoraAdapterSettings settings)
    {
        var linear = nn.Linear(6, 5);
        var layer = new DyLoraLinear("lin", linear);
        layer.AddAdapter("default", settings, settings.MaxRank);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }
}
