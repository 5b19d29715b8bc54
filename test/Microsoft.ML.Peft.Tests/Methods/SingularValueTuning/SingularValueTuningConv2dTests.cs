// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.SingularValueTuning;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.SingularValueTuning;

/// <summary>Singular-value tuning of a convolution against the SVD of its flattened kernel, computed here by hand.</summary>
public sealed class SingularValueTuningConv2dTests
{
    [Fact]
    public void Forward_StridedPaddedKernel_EqualsTheConvolutionWithTheUpdatedKernel()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = nn.Sequential(("conv", ScopedModules.Conv2d(3, 6, 3, stride: 2, padding: 1)));
        using var peft = PeftModel.Create(model, new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("conv") });
        var layer = (SingularValueTuningConv2d)peft.TunerLayers.Single();
        var deltaS = layer.DeltaS("default");

        // min(6, 3·3·3) = 6, rounded down to a multiple of 4.
        Assert.Equal(4, deltaS.shape[0]);
        using (no_grad())
        {
            deltaS.copy_(randn(4));
        }

        var conv = (TorchSharp.Modules.Conv2d)model.named_modules().Single(m => m.name == "conv").module;
        var (u, _, vh) = linalg.svd(conv.weight.detach().reshape(6, 27), fullMatrices: false);
        var hand = u.narrow(1, 0, 4).matmul(diag(deltaS.detach())).matmul(vh.narrow(0, 0, 4)).view(6, 3, 3, 3);
        var x = randn(2, 3, 9, 9);
        var expected = nn.functional.conv2d(x, conv.weight.detach() + hand, conv.bias!.detach(), strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 });

        ModelState.AssertClose(hand, layer.GetDeltaWeight("default"), 1e-5, "ΔW = U_k·diag(Δs)·V_kᵀ over the flattened kernel");
        ModelState.AssertClose(expected, model.call(x), 1e-4, "adapted output");

        peft.MergeAdapter(safeMerge: true);
        ModelState.AssertClose(expected, model.call(x), 1e-4, "merged output");
        peft.UnmergeAdapter();
        var unadapted = nn.functional.conv2d(x, conv.weight.detach(), conv.bias!.detach(), strides: new long[] { 2, 2 }, padding: new long[] { 1, 1 });
        ModelState.AssertClose(expected, model.call(x), 1e-4, "unmerged output");
        Assert.True(ModelState.MaxAbsDifference(unadapted, expected) > 1e-3, "the update changes the output");
    }

    [Fact]
    public void Forward_AtInit_IsExactlyTheBaseConvolution_AndOnlyDeltaSTrains()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("conv", ScopedModules.Conv2d(4, 8, 3, padding: 1)));
        var x = randn(2, 4, 6, 6);
        var before = model.call(x).detach();
        using var peft = PeftModel.Create(model, new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("conv") });
        Assert.Equal(0.0, ModelState.MaxAbsDifference(before, model.call(x)));
        Assert.Equal(new[] { "base_model.model.conv.svd_delta_s.default" }, peft.NamedTrainableParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void Create_GroupedConvolution_IsRefusedNamingTheModuleAndTheGroups()
    {
        using var model = nn.Sequential(("conv", ScopedModules.Conv2d(4, 6, 3, padding: 1, groups: 2)));
        var error = Assert.Throws<NotSupportedException>(() => PeftModel.Create(model, new SingularValueTuningConfig { TargetModules = ModuleSelector.FromNames("conv") }));
        Assert.Contains("'conv'", error.Message, StringComparison.Ordinal);
        Assert.Contains("groups = 2", error.Message, StringComparison.Ordinal);
    }
}
