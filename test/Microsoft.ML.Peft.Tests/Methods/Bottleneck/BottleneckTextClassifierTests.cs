// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Methods.Bottleneck;

public sealed class BottleneckTextClassifierTests
{
    [Fact]
    public void LoraTextClassifier_WithBottleneckAdapters_StaysUnmergedLearnsPredictsAndReloads()
    {
        using var run = new TextClassifierMethodRun();

        // On this tiny random BERT (d = 32, 20 epochs) adapters after the sublayer output denses (Houlsby's placement,
        // the method's default targets) reach about 0.7 held-out accuracy; on the query/value projections, where LoRA
        // sits, they learn the task. Factor 4 leaves an 8-unit bottleneck; "mam_adapter" starts down at Kaiming scale.
        var config = new BottleneckConfig
        {
            ReductionFactor = 4,
            InitWeights = "mam_adapter",
            TargetModules = ModuleSelector.FromNames("query", "value"),
        };

        // MergeAdapterForPrediction is on by default: the estimator must keep the adapter unmerged instead of failing.
        var (accuracy, trainable, reloadSame) = run.Fit(config);

        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy:F3}");
        // Bottleneck 32 / 4 = 8 on query and value of 2 layers: 2·2·(2·32·8 + 8 + 32), plus the head (32·2+2).
        Assert.Equal((2 * 2 * ((2 * 32 * 8) + 8 + 32)) + (32 * 2) + 2, trainable);
        Assert.True(reloadSame, "the reloaded pipeline predicts other labels");
    }
}
