// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Methods.Paca;

public sealed class PacaTextClassifierTests
{
    [Fact]
    public void LoraTextClassifier_WithPacaMethod_LearnsPredictsAndReloads()
    {
        using var run = new TextClassifierMethodRun();

        var (accuracy, trainable, reloadSame) = run.Fit(new PacaConfig { Rank = 8, Alpha = 16 });

        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy:F3}");
        // PaCA r8 on the default query and value of 2 layers (2·2·8·32) plus the classifier head (32·2+2).
        Assert.Equal((2 * 2 * 8 * 32) + (32 * 2) + 2, trainable);
        Assert.True(reloadSame, "the reloaded pipeline predicts other labels");
    }
}
