// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.Lora;

public sealed class LoraConv2dTests
{
    [Fact]
    public void Forward_RandomFactors_EqualsBasePlusScaledConvolutionOfTheLowRankKernel()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var model = new TinyConvNet();
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            Rank = 2, Alpha = 3, Initialization = LoraInitialization.Random, TargetModules = ModuleSelector.FromNames("conv2"),
        });
        var layer = Assert.IsType<LoraConv2d>(peft.TunerLayers.Single());
        Assert.Equal(new long[] { 2, 8, 3, 3 }, layer.A("default").weight.shape);
        Assert.Equal(new long[] { 8, 2, 1, 1 }, layer.B("default").weight.shape);

        var x = randn(2, 8, 7, 7);
        var conv = (TorchSharp.Modules.Conv2d)layer.Target;
        var expected = nn.functional.conv2d(x, conv.weight + layer.GetDeltaWeight("default"), conv.bias, strides: new long[] { 2, 2 });
        var hand = layer.B("default").weight.flatten(1).matmul(layer.A("default").weight.flatten(1)).view(8, 8, 3, 3) * 1.5;

        ModelState.AssertClose(hand, layer.GetDeltaWeight("default"), 1e-6, "ΔW = s·B·A over the flattened kernel");
        ModelState.AssertClose(expected, conv.call(x), 1e-5, "adapted output");
    }

    [Fact]
    public void Create_DilatedKernel_IsRefusedNamingTheModule()
    {
        using var model = nn.Sequential(("conv", ScopedModules.Conv2d(3, 4, 3, padding: 2, dilation: 2)));
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LoraConfig { TargetModules = ModuleSelector.FromNames("conv") }));
        Assert.Contains("'conv'", error.Message, StringComparison.Ordinal);
        Assert.Contains("dilation (2, 2)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lora", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_ReflectPadding_IsRefusedNamingThePaddingMode()
    {
        using var model = nn.Sequential(("conv", ScopedModules.Create(() => nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect))));
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LoHaConfig { TargetModules = ModuleSelector.FromNames("conv") }));
        Assert.Contains("'conv'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Reflect", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupedConvolution_WorksUnmerged_RefusesMergeAndRanksNotDivisibleByGroups()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("conv", ScopedModules.Conv2d(4, 6, 3, padding: 1, groups: 2)));
        var odd = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LoraConfig { Rank = 3, TargetModules = ModuleSelector.FromNames("conv") }));
        Assert.Contains("groups = 2", odd.Message, StringComparison.Ordinal);
        Assert.Contains("r = 3", odd.Message, StringComparison.Ordinal);

        using var peft = PeftModel.Create(model, new LoraConfig { Rank = 2, Initialization = LoraInitialization.Random, TargetModules = ModuleSelector.FromNames("conv") });
        Assert.Equal(new long[] { 6, 1, 1, 1 }, ((LoraConv2d)peft.TunerLayers.Single()).B("default").weight.shape);
        Assert.Equal(new long[] { 2, 6, 5, 5 }, model.call(randn(2, 4, 5, 5)).shape);
        var merge = Assert.Throws<NotSupportedException>(() => peft.MergeAdapter(safeMerge: true));
        Assert.Contains("cannot be merged", merge.Message, StringComparison.Ordinal);
        Assert.False(peft.IsMerged);
    }

    [Fact]
    public void Create_PissaOnAConvolution_IsRefused()
    {
        using var model = new TinyConvNet();
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new LoraConfig
        {
            Initialization = LoraInitialization.PiSSA, TargetModules = ModuleSelector.FromNames("conv1"),
        }));
        Assert.Contains("'conv1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DoraOnAConvolution_MagnitudeHasPeftsShape()
    {
        using var scope = NewDisposeScope();
        using var model = new TinyConvNet();
        using var peft = PeftModel.Create(model, new LoraConfig { UseDora = true, TargetModules = ModuleSelector.FromNames("conv2") });
        var state = peft.GetAdapterStateDict("default");
        Assert.Equal(new long[] { 1, 8, 1, 1 }, state["base_model.model.conv2.lora_magnitude_vector"].shape);
    }
}
