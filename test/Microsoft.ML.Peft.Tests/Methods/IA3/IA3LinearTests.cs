// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.IA3;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.IA3;

/// <summary>(IA)³'s forward, merge and unmerge against PEFT's formulas, written out by hand.</summary>
public sealed class IA3LinearTests
{
    [Fact]
    public void IA3Linear_NotFeedforward_ScalesTheOutputIncludingTheBias()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        using var layer = Create(linear, ("default", false));
        var l = layer.Scale("default");
        var x = randn(3, 6);

        var expected = (x.matmul(linear.weight.t()) + linear.bias!) * l.view(1, 4);

        Assert.Equal(new long[] { 4, 1 }, l.shape);
        ModelState.AssertClose(expected, linear.call(x), 1e-6, "y = base(x) ⊙ l");
    }

    [Fact]
    public void IA3Linear_Feedforward_ScalesTheInputBeforeTheBaseLayer()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        using var layer = Create(linear, ("default", true));
        var l = layer.Scale("default");
        var x = randn(3, 6);

        var expected = (x * l.view(1, 6)).matmul(linear.weight.t()) + linear.bias!;

        Assert.Equal(new long[] { 1, 6 }, l.shape);
        ModelState.AssertClose(expected, linear.call(x), 1e-6, "y = base(x ⊙ l)");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IA3Linear_TwoActiveAdapters_MultiplyTheirVectors(bool feedforward)
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        using var layer = Create(linear, ("a", feedforward), ("b", feedforward));
        var product = layer.Scale("a").flatten() * layer.Scale("b").flatten();
        var x = randn(3, 6);

        var expected = feedforward
            ? (x * product).matmul(linear.weight.t()) + linear.bias!
            : (x.matmul(linear.weight.t()) + linear.bias!) * product;

        ModelState.AssertClose(expected, linear.call(x), 1e-6, "two adapters");
    }

    [Fact]
    public void IA3Linear_InitializeWeights_StartsAtOnesSoTheLayerIsUnchanged()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        var x = randn(3, 6);
        var before = linear.call(x);
        using var layer = new IA3Linear("lin", linear);
        layer.AddAdapter("default", isFeedforward: false, initializeWeights: true);
        layer.Attach();
        layer.ActiveAdapters = new[] { "default" };

        Assert.True(layer.Scale("default").eq(1).all().item<bool>());
        Assert.True(layer.Scale("default").requires_grad);
        ModelState.AssertClose(before, linear.call(x), 0, "output at init");
    }

    [Fact]
    public void IA3Linear_MergeNotFeedforward_ScalesRowsAndBiasAndUnmergeDividesByLPlusEpsilon()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        var weight = linear.weight.detach().clone();
        var bias = linear.bias!.detach().clone();
        using var layer = Create(linear, ("default", false));
        var l = layer.Scale("default").detach().flatten();
        var x = randn(3, 6);
        var unmergedOutput = linear.call(x).detach();
        ModelState.AssertClose(diag(l).matmul(weight) - weight, layer.GetDeltaWeight("default"), 1e-6, "ΔW");

        Merge(layer, "default");

        ModelState.AssertClose(diag(l).matmul(weight), linear.weight, 1e-6, "W ← diag(l)·W");
        ModelState.AssertClose(l * bias, linear.bias!, 1e-6, "b ← l ⊙ b");
        ModelState.AssertClose(unmergedOutput, linear.call(x), 1e-5, "merged output");

        var merged = linear.weight.detach().clone();
        var mergedBias = linear.bias!.detach().clone();
        layer.Unmerge();

        ModelState.AssertClose(merged / (l.view(4, 1) + IA3Linear.UnmergeEpsilon), linear.weight, 0, "W ← W / (l + 1e-8)");
        ModelState.AssertClose(mergedBias / (l + IA3Linear.UnmergeEpsilon), linear.bias!, 0, "b ← b / (l + 1e-8)");
        ModelState.AssertClose(weight, linear.weight, 1e-6, "restored weight");
    }

    [Fact]
    public void IA3Linear_MergeFeedforward_ScalesColumnsAndLeavesTheBias()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        var weight = linear.weight.detach().clone();
        var bias = linear.bias!.detach().clone();
        using var layer = Create(linear, ("default", true));
        var l = layer.Scale("default").detach().flatten();
        var x = randn(3, 6);
        var unmergedOutput = linear.call(x).detach();

        Merge(layer, "default");

        ModelState.AssertClose(weight.matmul(diag(l)), linear.weight, 1e-6, "W ← W·diag(l)");
        ModelState.AssertClose(bias, linear.bias!, 0, "bias untouched");
        ModelState.AssertClose(unmergedOutput, linear.call(x), 1e-5, "merged output");

        layer.Unmerge();
        ModelState.AssertClose(weight, linear.weight, 1e-6, "restored weight");
        ModelState.AssertClose(bias, linear.bias!, 0, "bias untouched by unmerge");
    }

    [Fact]
    public void IA3Linear_MergeTwoAdapters_MultipliesBothIntoTheWeight()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        var weight = linear.weight.detach().clone();
        using var layer = Create(linear, ("a", false), ("b", false));
        var product = (layer.Scale("a") * layer.Scale("b")).detach();

        Merge(layer, "a", "b");

        ModelState.AssertClose(weight * product, linear.weight, 1e-6, "W ← diag(l_a·l_b)·W");
        Assert.Equal(new[] { "a", "b" }, layer.MergedAdapters);
    }

    [Fact]
    public void IA3Linear_SecondAdapterDisagreeingOnFeedforward_IsRefusedNamingTheOption()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(6, 4);
        using var layer = new IA3Linear("encoder.ffn", linear);
        layer.AddAdapter("a", isFeedforward: true, initializeWeights: true);

        var ex = Assert.Throws<InvalidOperationException>(() => layer.AddAdapter("b", isFeedforward: false, initializeWeights: true));

        Assert.Contains("encoder.ffn", ex.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IA3Config.FeedforwardModules), ex.Message, StringComparison.Ordinal);
    }

    // PEFT's _check_target_module_feedforward: plain endswith for a list (no dot boundary), fullmatch for a regex.
    [Theory]
    [InlineData("bert.encoder.layer.0.output.dense", true)]
    [InlineData("bert.encoder.layer.0.attention.output.dense", true)]
    [InlineData("bert.encoder.layer.0.intermediate.dense", false)]
    [InlineData("bert.encoder.layer.0.attention.self.key", false)]
    [InlineData("model.final_output.dense", true)]
    public void IsFeedforward_NameList_MatchesAnySuffixWithoutDotBoundary(string path, bool expected) =>
        Assert.Equal(expected, IA3Method.IsFeedforward(ModuleSelector.FromNames("output.dense"), path));

    [Fact]
    public void IsFeedforward_Regex_MustMatchTheWholeName()
    {
        var regex = ModuleSelector.FromRegex(@".*\.layer\.\d+\.output\.dense");
        Assert.True(IA3Method.IsFeedforward(regex, "bert.encoder.layer.3.output.dense"));
        Assert.False(IA3Method.IsFeedforward(regex, "bert.encoder.layer.3.attention.output.dense"));
        Assert.False(IA3Method.IsFeedforward(ModuleSelector.FromRegex("output"), "layer.output"));
        Assert.False(IA3Method.IsFeedforward(null, "layer.output"));
    }

    private static IA3Linear Create(Linear linear, params (string Name, bool Feedforward)[] adapters)
    {
        var layer = new IA3Linear("lin", linear);
        foreach (var (name, feedforward) in adapters)
        {
            // Random vectors (init_ia3_weights=False) so every check sees a non-trivial l.
            layer.AddAdapter(name, feedforward, initializeWeights: false);
        }

        layer.Attach();
        layer.ActiveAdapters = adapters.Select(a => a.Name).ToArray();
        return layer;
    }

    private static void Merge(IA3Linear layer, params string[] adapters)
    {
        using var plan = layer.PlanMerge(adapters);
        layer.CommitMerge(plan);
    }
}
