// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.LnTuning;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LnTuning;

/// <summary>LN tuning's layer: the copy replaces the LayerNorm, merge and unmerge are exact, one adapter at a time.</summary>
public sealed class LayerNormTuningLayerTests
{
    [Fact]
    public void LayerNormTuningLayer_Forward_NormalizesWithTheCopysWeightAndBias()
    {
        using var scope = NewDisposeScope();
        using var norm = nn.LayerNorm(5, eps: 1e-5);
        using var layer = Create(norm, "default");
        var copy = layer.Copy("default");
        Randomize(copy);
        var x = randn(3, 5);

        var mean = x.mean(new long[] { -1 }, keepdim: true);
        var variance = (x - mean).pow(2).mean(new long[] { -1 }, keepdim: true);
        var expected = ((x - mean) / (variance + 1e-5).sqrt() * copy.weight) + copy.bias!;

        ModelState.AssertClose(expected, norm.call(x), 1e-5, "LayerNorm with the copy's parameters");
        Assert.True(norm.weight.eq(1).all().item<bool>(), "the original LayerNorm must not change");
    }

    [Fact]
    public void LayerNormTuningLayer_AddAdapter_CopiesTheCurrentValuesSoTheOutputIsUnchanged()
    {
        using var scope = NewDisposeScope();
        using var norm = nn.LayerNorm(5);
        Randomize(norm);
        var x = randn(3, 5);
        var before = norm.call(x).detach();

        using var layer = Create(norm, "default");

        ModelState.AssertClose(norm.weight, layer.Copy("default").weight, 0, "copied weight");
        ModelState.AssertClose(norm.bias!, layer.Copy("default").bias!, 0, "copied bias");
        ModelState.AssertClose(before, norm.call(x), 0, "output at init");
    }

    [Fact]
    public void LayerNormTuningLayer_MergeThenUnmerge_WritesTheCopyAndRestoresTheOriginalExactly()
    {
        using var scope = NewDisposeScope();
        using var norm = nn.LayerNorm(5);
        Randomize(norm);
        var weight = norm.weight.detach().clone();
        var bias = norm.bias!.detach().clone();
        using var layer = Create(norm, "default");
        var copy = layer.Copy("default");
        Randomize(copy);
        var x = randn(3, 5);
        var unmerged = norm.call(x).detach();
        ModelState.AssertClose(copy.weight - weight, layer.GetDeltaWeight("default"), 0, "ΔW");

        Merge(layer, "default");

        ModelState.AssertClose(copy.weight, norm.weight, 0, "merged weight");
        ModelState.AssertClose(copy.bias!, norm.bias!, 0, "merged bias");
        ModelState.AssertClose(unmerged, norm.call(x), 0, "merged output");

        layer.Unmerge();

        ModelState.AssertClose(weight, norm.weight, 0, "restored weight");
        ModelState.AssertClose(bias, norm.bias!, 0, "restored bias");
        ModelState.AssertClose(unmerged, norm.call(x), 0, "output after unmerge");
    }

    [Fact]
    public void LayerNormTuningLayer_NormWithoutBias_MergesTheWeightOnly()
    {
        using var scope = NewDisposeScope();
        using var norm = nn.LayerNorm(5, bias: false);
        var weight = norm.weight.detach().clone();
        using var layer = Create(norm, "default");
        Randomize(layer.Copy("default"));

        Merge(layer, "default");
        ModelState.AssertClose(layer.Copy("default").weight, norm.weight, 0, "merged weight");
        layer.Unmerge();

        ModelState.AssertClose(weight, norm.weight, 0, "restored weight");
        Assert.Null(layer.Copy("default").bias);
    }

    [Fact]
    public void LayerNormTuningLayer_TwoAdaptersMergedOrActive_AreRefusedAsInPeft()
    {
        using var scope = NewDisposeScope();
        using var norm = nn.LayerNorm(5);
        using var layer = Create(norm, "a", "b");

        var both = Assert.Throws<InvalidOperationException>(() => layer.PlanMerge(new[] { "a", "b" }));
        Assert.Contains("one adapter at a time", both.Message, StringComparison.Ordinal);

        Merge(layer, "a");
        var second = Assert.Throws<InvalidOperationException>(() => layer.PlanMerge(new[] { "b" }));
        Assert.Contains("UnmergeAdapter", second.Message, StringComparison.Ordinal);
        layer.Unmerge();

        layer.ActiveAdapters = new[] { "a", "b" };
        var forward = Assert.Throws<InvalidOperationException>(() => norm.call(randn(2, 5)));
        Assert.Contains("[a, b]", forward.Message, StringComparison.Ordinal);
    }

    private static LayerNormTuningLayer Create(LayerNorm norm, params string[] adapters)
    {
        var layer = new LayerNormTuningLayer("norm", norm);
        foreach (string adapter in adapters)
        {
            layer.AddAdapter(adapter);
        }

        layer.Attach();
        layer.ActiveAdapters = new[] { adapters[0] };
        return layer;
    }

    private static void Randomize(LayerNorm norm)
    {
        using var noGrad = no_grad();
        norm.weight.copy_(rand(norm.weight.shape) + 0.5);
        norm.bias?.copy_(randn(norm.bias.shape));
    }

    private static void Merge(LayerNormTuningLayer layer, string adapter)
    {
        using var plan = layer.PlanMerge(new[] { adapter });
        layer.CommitMerge(plan);
    }
}
