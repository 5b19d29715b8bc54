// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.LnTuning;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LnTuning;

/// <summary>LN tuning of a convolutional network's BatchNorm: only the affine values train, and the pretrained statistics never move.</summary>
public sealed class BatchNormTuningLayerTests
{
    [Fact]
    public void TrainingForward_UsesThePretrainedStatisticsAndTheCopysAffineValues_AndUpdatesNoStatistics()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var norm = nn.BatchNorm2d(4);
        using (no_grad())
        {
            norm.running_mean!.copy_(randn(4));
            norm.running_var!.copy_(rand(4) + 0.5);
        }

        using var model = nn.Sequential(("bn", norm));
        using var peft = PeftModel.Create(model, new LayerNormTuningConfig { TargetModules = ModuleSelector.FromNames("bn") });
        Assert.Equal(new[] { "base_model.model.bn.ln_tuning_layers.default.weight", "base_model.model.bn.ln_tuning_layers.default.bias" }, peft.NamedTrainableParameters().Select(p => p.Name).ToArray());
        var layer = (BatchNormTuningLayer)peft.TunerLayers.Single();
        using (no_grad())
        {
            layer.Copy("default").weight!.copy_(randn(4));
            layer.Copy("default").bias!.copy_(randn(4));
        }

        var meanBefore = norm.running_mean!.clone();
        var varBefore = norm.running_var!.clone();
        model.train();
        var x = randn(3, 4, 5, 5) * 3 + 2;
        var output = model.call(x);

        var copy = layer.Copy("default");
        var expected = nn.functional.batch_norm(x, meanBefore, varBefore, copy.weight!.detach(), copy.bias!.detach(), training: false, eps: norm.eps);
        ModelState.AssertClose(expected, output, 1e-5, "normalised with the pretrained statistics");
        Assert.Equal(0.0, ModelState.MaxAbsDifference(meanBefore, norm.running_mean!));
        Assert.Equal(0.0, ModelState.MaxAbsDifference(varBefore, copy.running_var!));

        output.sum().backward();
        Assert.NotNull(copy.weight!.grad);

        peft.MergeAdapter(safeMerge: true);
        model.eval();
        ModelState.AssertClose(expected, model.call(x), 1e-5, "merged output");
        peft.UnmergeAdapter();
        var original = nn.functional.batch_norm(x, meanBefore, varBefore, ones(4), zeros(4), training: false, eps: norm.eps);
        ModelState.AssertClose(original, nn.functional.batch_norm(x, norm.running_mean!, norm.running_var!, norm.weight!.detach(), norm.bias!.detach(), training: false, eps: norm.eps), 1e-6, "unmerge restores the original affine values");
    }
}
