// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingProgressTests
{
    [Fact]
    public void ToString_AnyCulture_FormatsOneInvariantLine()
    {
        var progress = new TrainingProgress
        {
            Epoch = 2,
            TotalEpochs = 3,
            Step = 40,
            TotalSteps = 120,
            Loss = 0.69314,
            LearningRate = 2e-4,
            GradientNorm = 1.5,
            RowsPerSecond = 812.54,
            EstimatedTimeRemaining = TimeSpan.FromHours(26) + TimeSpan.FromSeconds(83),
            IsEpochEnd = true,
            ValidationMetric = 0.875,
            ValidationMetricName = "accuracy",
        };

        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal(
                "epoch 2/3, step 40/120: loss 0.6931, lr 2.00E-004, 812.5 rows/s, ETA 26:01:23, grad norm 1.500, validation accuracy 0.8750",
                progress.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }
}
