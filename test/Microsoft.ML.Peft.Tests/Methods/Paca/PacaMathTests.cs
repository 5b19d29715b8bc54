// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Methods.Paca;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Paca;

/// <summary>PaCA's forward, gradient, merge and saved tensors against the formulas of the paper, written out by hand.</summary>
public sealed class PacaMathTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "paca-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void PacaLinear_Init_TakesRandomColumnsDividedByScale()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = CreateLinear(rank: 3, scale: 2.0);
        var indices = layer.Indices("default");

        Assert.Equal(new long[] { 3 }, indices.shape);
        Assert.Equal(ScalarType.Int64, indices.dtype);
        Assert.Equal(3, indices.data<long>().ToArray().Distinct().Count());
        ModelState.AssertClose(linear.weight.index_select(1, indices) / 2.0, layer.Weight("default"), 0, "paca_w = W[:, idx] / s");
        Assert.False(layer.Weight("default").detach().eq(0).all().item<bool>());
    }

    [Fact]
    public void PacaLinear_Init_IndicesFollowTheSeededGenerator()
    {
        using var scope = NewDisposeScope();
        long[] Draw(int seed)
        {
            manual_seed(seed);
            var (layer, _) = CreateLinear(rank: 4, scale: 1, inFeatures: 40);
            return layer.Indices("default").data<long>().ToArray();
        }

        Assert.Equal(Draw(7), Draw(7));
        Assert.NotEqual(Draw(7), Draw(8));
    }

    [Fact]
    public void PacaLinear_Forward_EqualsLinearWithSelectedColumnsReplaced()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = CreateLinear(rank: 3, scale: 2.0);
        Randomize(layer);
        var x = randn(2, 4, 6);
        var indices = layer.Indices("default").data<long>().ToArray();

        var effective = linear.weight.detach().clone();
        for (int j = 0; j < indices.Length; j++)
        {
            effective[TensorIndex.Colon, indices[j]] = 2.0 * layer.Weight("default").detach()[TensorIndex.Colon, j];
        }

        ModelState.AssertClose(x.matmul(effective.t()) + linear.bias!, linear.call(x), 1e-5, "y = x·W_effᵀ + b");
        ModelState.AssertClose(effective - linear.weight, layer.GetDeltaWeight("default"), 1e-6, "ΔW");
    }

    [Fact]
    public void PacaLinear_Backward_GradientReachesOnlyPacaWAndEqualsScaledOuterProductOfSelectedInputs()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = CreateLinear(rank: 3, scale: 2.0);
        Randomize(layer);
        var x = randn(2, 4, 6).requires_grad_();
        var upstream = randn(2, 4, 7);

        (linear.call(x) * upstream).sum().backward();

        var indices = layer.Indices("default");
        var selected = x.detach().index_select(-1, indices).reshape(-1, 3);
        var expected = 2.0 * upstream.reshape(-1, 7).t().matmul(selected);
        ModelState.AssertClose(expected, layer.Weight("default").grad!, 1e-5, "∂L/∂paca_w = s·gᵀ·x_idx");
        Assert.Null(linear.weight.grad);
        Assert.Null(linear.bias!.grad);

        var effective = linear.weight.detach() + layer.GetDeltaWeight("default");
        ModelState.AssertClose(upstream.matmul(effective), x.grad!, 1e-5, "∂L/∂x = g·W_eff");
    }

    [Fact]
    public void PacaLinear_Backward_KeepsNoReferenceToTheWholeInput()
    {
        // Autograd refuses a backward that needs a tensor modified in place after it was saved. PaCA saves only the
        // gathered columns, so changing the whole input after the forward pass must not matter; LoRA, which saves the
        // input for lora_A's gradient, is the control that shows the check bites.
        using var scope = NewDisposeScope();
        var (_, paca) = CreateLinear(rank: 3, scale: 2.0);
        var x = randn(2, 4, 6).requires_grad_();
        var input = x * 1;
        var output = paca.call(input);
        using (no_grad())
        {
            input.add_(1);
        }

        output.sum().backward();
        Assert.NotNull(x.grad);

        var lora = nn.Linear(6, 7);
        lora.weight.requires_grad = false;
        using var loraLayer = new LoraLinear("lin", lora);
        loraLayer.AddAdapter("default", new LoraAdapterSettings(3, 6, 0, false, false, false, LoraInitialization.Default, null));
        loraLayer.ActiveAdapters = new[] { "default" };
        loraLayer.Attach();
        var loraInput = x * 1;
        var loraOutput = lora.call(loraInput);
        using (no_grad())
        {
            loraInput.add_(1);
        }

        Assert.ThrowsAny<Exception>(() => loraOutput.sum().backward());
    }

    [Fact]
    public void PacaLinear_MergeThenUnmerge_WritesTheColumnsExactlyAndRestoresThemBitForBit()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = CreateLinear(rank: 3, scale: 2.0);
        Randomize(layer);
        var original = linear.weight.detach().clone();
        var indices = layer.Indices("default");

        using (var plan = layer.PlanMerge(new[] { "default" }))
        {
            layer.CommitMerge(plan);
        }

        ModelState.AssertClose(layer.Weight("default").detach() * 2.0, linear.weight.index_select(1, indices), 0, "merged columns are s·paca_w");
        var expected = original.clone().index_copy_(1, indices, layer.Weight("default").detach() * 2.0);
        Assert.True(linear.weight.eq(expected).all().item<bool>(), "only the selected columns changed");

        layer.Unmerge();
        Assert.True(linear.weight.eq(original).all().item<bool>(), "unmerge restores W₀ exactly");
    }

    [Fact]
    public void PacaModel_SaveAdapter_WritesPacaWAndInt64IndicesAndReloadsThem()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp();
        var baseState = ModelState.Snapshot(model);
        using var peft = PeftModel.Create(model, new PacaConfig { Rank = 4, Alpha = 8, TargetModules = ModuleSelector.FromNames("lin0") });
        using (no_grad())
        {
            peft.GetAdapterStateDict("default")["base_model.model.lin0.paca_w"].add_(randn(20, 4));
        }

        peft.SaveAdapter(_directory);

        var header = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).ToDictionary(e => e.Name);
        Assert.Equal(new[] { "base_model.model.lin0.paca_indices", "base_model.model.lin0.paca_w" }, header.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("I64", header["base_model.model.lin0.paca_indices"].DType);
        Assert.Equal(new long[] { 4 }, header["base_model.model.lin0.paca_indices"].Shape);
        Assert.Equal(new long[] { 20, 4 }, header["base_model.model.lin0.paca_w"].Shape);

        using var fresh = new TinyMlp();
        ModelState.Restore(fresh, baseState);
        manual_seed(99);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        const string IndicesKey = "base_model.model.lin0.paca_indices";
        Assert.True(loaded.GetAdapterStateDict("default")[IndicesKey].eq(peft.GetAdapterStateDict("default")[IndicesKey]).all().item<bool>());
        var input = TinyMlp.Input();
        model.eval();
        fresh.eval();
        ModelState.AssertClose(model.call(input), fresh.call(input), 1e-6, "reloaded output");
        ModelState.Dispose(baseState);
    }

    [Fact]
    public void PacaModel_TrainableParameters_AreRankTimesOutputFeaturesPerTarget()
    {
        // Spec table: r·d_out per target. On BERT-base's query and value (768 → 768, 12 layers), r = 16 gives
        // 12·2·16·768 = 294,912, the count of LoRA r = 8 on the same targets.
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("query", nn.Linear(768, 768)), ("value", nn.Linear(768, 768)), ("intermediate", nn.Linear(768, 3072)));
        using var peft = PeftModel.Create(model, new PacaConfig { Rank = 16, Alpha = 32, TargetModules = ModuleSelector.FromNames("query", "value", "intermediate") }, outputModuleName: "none");

        Assert.Equal(16L * (768 + 768 + 3072), peft.GetTrainableParameterReport().TrainableParameters);
        Assert.Equal(294_912L / 12, 2L * 16 * 768);
    }

    [Fact]
    public void PacaLinear_RankAboveInputFeatures_ThrowsNamingTheModule()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => PeftModel.Create(model, new PacaConfig { Rank = 11, TargetModules = ModuleSelector.FromNames("lin0") }));

        Assert.Contains("`Rank` = 11 exceeds the 10 input features of 'lin0'", error.Message, StringComparison.Ordinal);
    }

    private static (PacaLinear Layer, Linear Linear) CreateLinear(int rank, double scale, int inFeatures = 6)
    {
        var linear = nn.Linear(inFeatures, 7);
        linear.weight.requires_grad = false;
        linear.bias!.requires_grad = false;
        var layer = new PacaLinear("lin", linear);
        layer.AddAdapter("default", rank, scale);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }

    private static void Randomize(PacaLinear layer)
    {
        using var noGrad = no_grad();
        layer.Weight("default").add_(randn_like(layer.Weight("default")));
    }
}
