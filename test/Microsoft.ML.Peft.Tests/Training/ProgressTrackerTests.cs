// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class ProgressTrackerTests
{
    [Fact]
    public void Report_AfterSteps_AveragesTheWindowAndEstimatesTheRest()
    {
        var tracker = new ProgressTracker(totalEpochs: 2, totalSteps: 10, startStep: 0, metricName: "accuracy");
        tracker.RecordStep(1.0, 3.0, rows: 8, learningRate: 0.1, TimeSpan.FromSeconds(1));
        tracker.RecordStep(3.0, 5.0, rows: 8, learningRate: 0.2, TimeSpan.FromSeconds(1));

        var report = tracker.Report(step: 2, epoch: 0, isEpochEnd: false, metric: null);

        Assert.Equal(2.0, report.Loss);
        Assert.Equal(4.0, report.GradientNorm);
        Assert.Equal(0.2, report.LearningRate);
        Assert.Equal(8.0, report.RowsPerSecond, 6);
        Assert.Equal(TimeSpan.FromSeconds(8), report.EstimatedTimeRemaining);
        Assert.Equal(1, report.Epoch);
        Assert.Null(report.ValidationMetricName);
    }

    [Fact]
    public void Report_NextWindow_StartsFreshAndCarriesTheMetricName()
    {
        var tracker = new ProgressTracker(totalEpochs: 1, totalSteps: 4, startStep: 2, metricName: "accuracy");
        tracker.RecordStep(1.0, null, rows: 4, learningRate: 0.1, TimeSpan.FromSeconds(1));
        tracker.Report(step: 3, epoch: 0, isEpochEnd: false, metric: null);
        tracker.RecordStep(5.0, null, rows: 4, learningRate: 0.1, TimeSpan.FromSeconds(1));

        var report = tracker.Report(step: 4, epoch: 0, isEpochEnd: true, metric: 0.75);

        Assert.Equal(5.0, report.Loss);
        Assert.Null(report.GradientNorm);
        Assert.Equal(3.0, tracker.EpochLoss);
        Assert.Equal(0.75, report.ValidationMetric);
        Assert.Equal("accuracy", report.ValidationMetricName);
        Assert.Equal(TimeSpan.Zero, report.EstimatedTimeRemaining);
    }
}
