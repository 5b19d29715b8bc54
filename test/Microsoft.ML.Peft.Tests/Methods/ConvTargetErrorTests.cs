// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods;

/// <summary>Methods without a Conv2d layer refuse a convolution target by name, before anything is attached.</summary>
public sealed class ConvTargetErrorTests
{
    public static TheoryData<string, PeftConfig> MethodsWithoutConv2d => new()
    {
        { "VERA", new VeraConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "RANDLORA", new RandLoraConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "DYLORA", new DyLoraConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "PACA", new PacaConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "LOLDU", new LoLduConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "BOTTLENECK", new BottleneckConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
        { "LN_TUNING", new LayerNormTuningConfig { TargetModules = ModuleSelector.FromNames("conv1") } },
    };

    [Theory]
    [MemberData(nameof(MethodsWithoutConv2d))]
    public void Create_MethodWithoutConv2dLayer_NamesMethodModuleAndSupportedTypes(string peftType, PeftConfig config)
    {
        using var scope = NewDisposeScope();
        using var model = new TinyConvNet();
        var input = TinyConvNet.Input();
        var before = model.call(input);

        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, config));

        Assert.StartsWith($"{peftType} does not adapt Conv2d module 'conv1'; supported: ", error.Message, StringComparison.Ordinal);
        Assert.True(ModelState.Identical(before, model.call(input)));
    }
}
