// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Methods.Bottleneck;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Bottleneck;

/// <summary>Bottleneck adapters against adapter-hub's formulas, written out by hand.</summary>
public sealed class BottleneckMathTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bottleneck-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void BottleneckLinear_SequentialForward_AddsScaledUpOfActivatedDownOfTheOutput()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(new BottleneckConfig { ReductionFactor = 4, Scaling = 0.5 });
        Randomize(layer);
        var x = randn(2, 3, 6);
        var down = layer.Down("default");
        var up = layer.Up("default");
        Assert.Equal(new long[] { 2, 8 }, down.weight.shape);

        var h = x.matmul(linear.weight.t()) + linear.bias!;
        var a = h.matmul(down.weight.t()) + down.bias!;
        var swish = a * sigmoid(a);
        var expected = h + 0.5 * (swish.matmul(up.weight.t()) + up.bias!);

        ModelState.AssertClose(expected, linear.call(x), 1e-5, "h + s·up(swish(down(h)))");
    }

    [Fact]
    public void BottleneckLinear_ParallelForward_ReadsTheTargetInput()
    {
        using var scope = NewDisposeScope();
        var (layer, linear) = Create(new BottleneckConfig { ReductionFactor = 4, IsParallel = true, NonLinearity = "relu", Scaling = 4 });
        Randomize(layer);
        var x = randn(5, 6);
        var down = layer.Down("default");
        var up = layer.Up("default");
        Assert.Equal(new long[] { 2, 6 }, down.weight.shape);

        var h = x.matmul(linear.weight.t()) + linear.bias!;
        var expected = h + 4 * (nn.functional.relu(x.matmul(down.weight.t()) + down.bias!).matmul(up.weight.t()) + up.bias!);

        ModelState.AssertClose(expected, linear.call(x), 1e-5, "h + s·up(relu(down(x)))");
    }

    [Fact]
    public void BottleneckLinear_MamAdapterInit_IsAnExactNoOp()
    {
        using var scope = NewDisposeScope();
        var (_, linear) = Create(new BottleneckConfig { InitWeights = "mam_adapter" });
        var x = randn(4, 6);

        var expected = x.matmul(linear.weight.t()) + linear.bias!;

        Assert.True(expected.eq(linear.call(x)).all().item<bool>(), "mam_adapter init (up = 0) must not change the output");
    }

    [Fact]
    public void BottleneckLinear_BertInit_IsCloseToButNotExactlyANoOp()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var (layer, linear) = Create(new BottleneckConfig { ReductionFactor = 2 });
        var x = randn(64, 6);

        var difference = (linear.call(x) - (x.matmul(linear.weight.t()) + linear.bias!)).abs().max().item<float>();

        Assert.InRange(difference, 1e-7, 1e-2);
        var weights = cat(new[] { layer.Down("default").weight.flatten(), layer.Up("default").weight.flatten() });
        Assert.InRange(weights.std().item<float>(), 0.01, 0.03);
        Assert.True(layer.Down("default").bias!.eq(0).all().item<bool>() && layer.Up("default").bias!.eq(0).all().item<bool>());
    }

    [Fact]
    public void BottleneckModel_MergeAdapter_IsRefusedWithAMessageAndChangesNothing()
    {
        using var scope = NewDisposeScope();
        var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new BottleneckConfig { ReductionFactor = 4, TargetModules = ModuleSelector.FromNames("lin0") });
        var before = ModelState.Snapshot(model);

        var error = Assert.Throws<NotSupportedException>(() => peft.MergeAdapter());
        Assert.Throws<NotSupportedException>(() => peft.MergeAndUnload());

        Assert.Contains("Adapter 'default' (BOTTLENECK) cannot be merged", error.Message, StringComparison.Ordinal);
        Assert.Contains("Keep it unmerged", error.Message, StringComparison.Ordinal);
        Assert.False(peft.IsMerged);
        foreach (var (name, value) in before)
        {
            Assert.True(value.eq(model.state_dict()[name]).all().item<bool>(), $"'{name}' changed");
        }

        ModelState.Dispose(before);
    }

    [Fact]
    public void BottleneckModel_SaveAdapter_WritesAdapterHubModuleNames()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new BottleneckConfig { ReductionFactor = 5, TargetModules = ModuleSelector.FromNames("lin1") });
        peft.SaveAdapter(_directory);

        var header = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).ToDictionary(e => e.Name, e => e.Shape);

        Assert.Equal(
            new[] { "base_model.model.lin1.adapter_down.bias", "base_model.model.lin1.adapter_down.weight", "base_model.model.lin1.adapter_up.bias", "base_model.model.lin1.adapter_up.weight" },
            header.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 4, 20 }, header["base_model.model.lin1.adapter_down.weight"]);
        Assert.Equal(new long[] { 20, 4 }, header["base_model.model.lin1.adapter_up.weight"]);
    }

    [Fact]
    public void BottleneckModel_TrainableParameters_MatchTheSpecTable()
    {
        // Per adapted sublayer with hidden size d and bottleneck m = d / reduction_factor: 2dm + m + d.
        // Houlsby on BERT-base (two placements per layer, d = 768, m = 48): 12·2·(2·768·48 + 48 + 768) = 1,789,056.
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("attention_output", nn.Linear(768, 768)), ("output", nn.Linear(3072, 768)));
        using var peft = PeftModel.Create(model, new BottleneckConfig { TargetModules = ModuleSelector.FromNames("attention_output", "output") }, outputModuleName: "none");

        Assert.Equal(2L * ((2 * 768 * 48) + 48 + 768), peft.GetTrainableParameterReport().TrainableParameters);
        Assert.Equal(1_789_056L, 12L * 2 * ((2 * 768 * 48) + 48 + 768));
    }

    private static (BottleneckLinear Layer, Linear Linear) Create(BottleneckConfig config)
    {
        var linear = nn.Linear(6, 8);
        var layer = new BottleneckLinear("lin", linear);
        layer.AddAdapter("default", config);
        layer.ActiveAdapters = new[] { "default" };
        layer.Attach();
        return (layer, linear);
    }

    private static void Randomize(BottleneckLinear layer)
    {
        using var noGrad = no_grad();
        foreach (var parameter in layer.parameters())
        {
            parameter.copy_(randn_like(parameter) * 0.5);
        }
    }
}
