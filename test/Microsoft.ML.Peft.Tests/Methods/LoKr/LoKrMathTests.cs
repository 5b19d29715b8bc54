// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.LoKr;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LoKr;

/// <summary>LoKr's factorization, shapes, ΔW, initializations and dropouts against PEFT's rules, written out by hand.</summary>
public sealed class LoKrMathTests
{
    // The vectors of the spec, each checked by hand against factorization() in PEFT's src/peft/tuners/lokr/layer.py.
    [Theory]
    [InlineData(768, -1, 24, 32)]
    [InlineData(1024, -1, 32, 32)]
    [InlineData(3072, -1, 48, 64)]
    [InlineData(4096, -1, 64, 64)]
    [InlineData(640, -1, 20, 32)]
    [InlineData(127, -1, 1, 127)]
    [InlineData(768, 4, 4, 192)]
    [InlineData(128, 16, 16, 8)]
    [InlineData(100, 16, 10, 10)]
    [InlineData(20, -1, 4, 5)]
    [InlineData(768, 5, 4, 192)]
    [InlineData(12, 1, 1, 12)]
    public void Factorize_MatchesPeft(int dimension, int factor, int m, int n) =>
        Assert.Equal((m, n), LoKrFactorization.Factorize(dimension, factor));

    [Theory]
    [InlineData(false, 8, 576 + 512)]     // w1 24×24 full; w2 32×32 as 32×8 + 8×32 (8 < 32/2)
    [InlineData(true, 8, (8 * 48) + 512)] // decompose_both: w1 as 24×8 + 8×24 (8 < 24/2)
    [InlineData(false, 16, 576 + 1024)]   // r = 16 is not < 32/2: w2 is a full 32×32
    public void LoKr_768x768_TrainableParameterCount(bool decomposeBoth, int rank, long expected)
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("proj", nn.Linear(768, 768)));
        using var peft = PeftModel.Create(model, new LoKrConfig { Rank = rank, DecomposeBoth = decomposeBoth, TargetModules = ModuleSelector.FromNames("proj") });

        Assert.Equal(expected, peft.GetTrainableParameterReport().TrainableParameters);
        Assert.Equal(expected, LoKrShape.For(768, 768, rank, decomposeBoth, -1).ParameterCount);
    }

    [Fact]
    public void LoKr_768x768_ParameterShapesArePeftsAndNamedAsInPeft()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("proj", nn.Linear(768, 768)));
        using var peft = PeftModel.Create(model, new LoKrConfig { TargetModules = ModuleSelector.FromNames("proj") });

        var shapes = peft.NamedTrainableParameters().ToDictionary(p => p.Name, p => p.Parameter.shape);
        Assert.Equal(
            new[] { "base_model.model.proj.lokr_w1.default", "base_model.model.proj.lokr_w2_a.default", "base_model.model.proj.lokr_w2_b.default" },
            shapes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 24, 24 }, shapes["base_model.model.proj.lokr_w1.default"]);
        Assert.Equal(new long[] { 32, 8 }, shapes["base_model.model.proj.lokr_w2_a.default"]);
        Assert.Equal(new long[] { 8, 32 }, shapes["base_model.model.proj.lokr_w2_b.default"]);
    }

    [Theory]
    [InlineData(2, false)] // w1 full (4×2), w2 = w2_a·w2_b (5×2·2×5)
    [InlineData(8, false)] // both full: s = alpha / r still applies
    [InlineData(1, true)]  // both decomposed
    public void LoKr_ForwardAndDelta_EqualScaledKroneckerProductWrittenOut(int rank, bool decomposeBoth)
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(Settings(rank, alpha: 6, decomposeBoth: decomposeBoth, init: LoKrInitialization.Random));
        var w1 = Product(layer, "lokr_w1");
        var w2 = Product(layer, "lokr_w2");
        Assert.Equal(new long[] { 4, 2 }, w1.shape);
        Assert.Equal(new long[] { 5, 5 }, w2.shape);

        // kron(w1, w2)[i·5 + k, j·5 + l] = w1[i, j]·w2[k, l], built by broadcasting rather than by torch.kron.
        var kronecker = (w1.view(4, 1, 2, 1) * w2.view(1, 5, 1, 5)).reshape(20, 10);
        var expectedDelta = (6.0 / rank) * kronecker;
        ModelState.AssertClose(expectedDelta, layer.GetDeltaWeight("default"), 1e-6, "ΔW = s·kron(w1, w2)");
        ModelState.AssertClose(kron(w1, w2) * (6.0 / rank), expectedDelta, 1e-6, "torch.kron agrees with the written-out product");

        var x = randn(3, 10);
        linear.eval();
        var expected = x.matmul(linear.weight.t()) + linear.bias! + x.matmul(expectedDelta.t());
        ModelState.AssertClose(expected, linear.call(x), 1e-5, "LoKr forward");
    }

    [Theory]
    [InlineData(LoKrInitialization.Default, "lokr_w1", "lokr_w2_b")]
    [InlineData(LoKrInitialization.Lycoris, "lokr_w2_b", "lokr_w1")]
    public void LoKr_NoOpInitializations_ZeroOneFactorAndDrawTheOthersKaimingUniform(LoKrInitialization init, string zero, string random)
    {
        using var scope = NewDisposeScope();
        var (layer, _) = Create(Settings(2, init: init));

        Assert.Equal(0f, Parameter(layer, zero).abs().max().item<float>());
        var drawn = Parameter(layer, random);
        double bound = 1.0 / Math.Sqrt(drawn.shape[1]);
        Assert.InRange(drawn.abs().max().item<float>(), 1e-3, bound);
        Assert.Equal(0f, layer.GetDeltaWeight("default").abs().max().item<float>());
    }

    [Fact]
    public void LoKr_RandomInitialization_IsNotANoOp()
    {
        using var scope = NewDisposeScope();
        var (layer, _) = Create(Settings(2, init: LoKrInitialization.Random));
        Assert.All(layer.named_parameters(), p => Assert.True(p.parameter.abs().max().item<float>() > 0, p.name));
        Assert.True(layer.GetDeltaWeight("default").abs().max().item<float>() > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoKr_RankDropout_ZeroesWholeRowsAndScalesOnlyWithRankDropoutScale(bool scale)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (layer, linear) = Create(Settings(2, init: LoKrInitialization.Random, rankDropout: 0.5, rankDropoutScale: scale));
        var x = randn(4, 10);
        var delta = layer.GetDeltaWeight("default").detach();
        var full = x.matmul(delta.t());
        var baseOutput = (x.matmul(linear.weight.t()) + linear.bias!).detach();

        linear.train();
        var added = linear.call(x).detach() - baseOutput;

        var kept = added.abs().sum(new long[] { 0 }) > 1e-6;
        long keptRows = kept.sum().item<long>();
        Assert.InRange(keptRows, 1, 19);
        double factor = scale ? 20.0 / keptRows : 1.0;
        var expected = full * kept.to(ScalarType.Float32) * factor;
        ModelState.AssertClose(expected, added, 1e-5, "rows of ΔW kept or zeroed");

        linear.eval();
        ModelState.AssertClose(baseOutput + full, linear.call(x), 1e-5, "no dropout in eval");
    }

    [Fact]
    public void LoKr_ModuleDropout_SkipsTheWholeAdapterInSomeTrainingForwards()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var (_, linear) = Create(Settings(2, init: LoKrInitialization.Random, moduleDropout: 0.5));
        var x = randn(4, 10);
        var baseOutput = (x.matmul(linear.weight.t()) + linear.bias!).detach();

        linear.train();
        int skipped = Enumerable.Range(0, 40).Count(_ => ModelState.MaxAbsDifference(baseOutput, linear.call(x).detach()) < 1e-6);
        Assert.InRange(skipped, 8, 32);

        linear.eval();
        Assert.True(ModelState.MaxAbsDifference(baseOutput, linear.call(x)) > 1e-4, "the adapter always applies in eval");
    }

    [Fact]
    public void LoKr_TwoAdapters_AddBothUpdatesAndDeletingOneRemovesItsTensors()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(Settings(2, init: LoKrInitialization.Random));
        layer.AddAdapter("other", Settings(8, alpha: 2, init: LoKrInitialization.Random));
        layer.ActiveAdapters = new[] { "default", "other" };
        var x = randn(3, 10);
        var baseOutput = (x.matmul(linear.weight.t()) + linear.bias!).detach();
        linear.eval();

        var both = baseOutput + x.matmul((layer.GetDeltaWeight("default") + layer.GetDeltaWeight("other")).t());
        ModelState.AssertClose(both, linear.call(x), 1e-5, "both adapters applied");

        layer.DeleteAdapter("other");
        Assert.Equal(new[] { "default" }, layer.ActiveAdapters);
        Assert.DoesNotContain(layer.named_parameters(), p => p.name.EndsWith(".other", StringComparison.Ordinal));
        ModelState.AssertClose(baseOutput + x.matmul(layer.GetDeltaWeight("default").t()), linear.call(x), 1e-5, "remaining adapter only");
    }

    internal static LoKrAdapterSettings Settings(
        int rank,
        double alpha = 4,
        bool decomposeBoth = false,
        int factor = -1,
        LoKrInitialization init = LoKrInitialization.Default,
        double rankDropout = 0,
        bool rankDropoutScale = false,
        double moduleDropout = 0) =>
        new(rank, alpha, rankDropout, rankDropoutScale, moduleDropout, decomposeBoth, factor, init);

    private static (LoKrLinear Layer, Linear Linear) Create(LoKrAdapterSettings settings)
    {
        var linear = nn.Linear(10, 20);
        var layer = new LoKrLinear("lin", linear);
        layer.AddAdapter("default", settings);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }

    private static Tensor Parameter(LoKrLinear layer, string name) =>
        layer.named_parameters().Single(p => p.name == name + ".default").parameter.detach();

    // A factor as PEFT assembles it: the full matrix when there is one, otherwise the product of its rank-r halves.
    private static Tensor Product(LoKrLinear layer, string name)
    {
        var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        return parameters.TryGetValue(name + ".default", out var full)
            ? full
            : parameters[name + "_a.default"].matmul(parameters[name + "_b.default"]);
    }
}
