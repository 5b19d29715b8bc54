// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class EarlyStoppingTests
{
    [Fact]
    public void Record_NoImprovementForPatienceEpochs_Stops()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 2);

        Assert.True(stopping.Record(0.5, null, parameters));
        Assert.True(stopping.Record(0.7, null, parameters));
        Assert.False(stopping.Record(0.7, null, parameters));
        Assert.False(stopping.ShouldStop);
        Assert.False(stopping.Record(0.6, null, parameters));

        Assert.True(stopping.ShouldStop);
        Assert.Equal(1, stopping.BestEpochIndex);
    }

    [Fact]
    public void Record_LowerIsBetterAndNonFinite_NonFiniteNeverWins()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        using var stopping = new EarlyStopping(higherIsBetter: false, patience: null);

        Assert.False(stopping.Record(double.NaN, null, parameters));
        Assert.Null(stopping.BestEpochIndex);
        Assert.True(stopping.Record(2.0, null, parameters));
        Assert.True(stopping.Record(1.0, null, parameters));
        Assert.False(stopping.Record(double.NegativeInfinity, null, parameters));

        Assert.Equal(2, stopping.BestEpochIndex);
        Assert.False(stopping.ShouldStop);
        Assert.Null(stopping.BestValues);
    }

    [Fact]
    public void RestoreBest_AfterLaterChanges_CopiesTheBestEpochsValuesBack()
    {
        using var scope = NewDisposeScope();
        var weight = new Parameter(full(2, 1.0f));
        var parameters = new List<(string, Parameter)> { ("w", weight) };
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 1);
        stopping.Record(0.9, null, parameters);
        using (no_grad())
        {
            weight.fill_(5.0f);
        }

        stopping.Record(0.1, null, parameters);

        Assert.True(stopping.RestoreBest(parameters));
        Assert.Equal(1.0f, weight[0].item<float>());
    }

    [Fact]
    public void Restore_FromHistory_RebuildsBestEpochAndStopDecision()
    {
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 2);

        stopping.Restore(new[] { 0.4, 0.8, 0.5, 0.6 }, losses: null, bestValues: null);

        Assert.Equal(1, stopping.BestEpochIndex);
        Assert.True(stopping.ShouldStop);
        Assert.Equal(4, stopping.History.Count);
    }

    [Fact]
    public void Record_MinDelta_SmallGainsAreNotImprovements()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 2, minDelta: 0.01);

        Assert.True(stopping.Record(0.50, null, parameters));
        Assert.False(stopping.Record(0.505, null, parameters));
        Assert.False(stopping.Record(0.51, null, parameters));

        Assert.True(stopping.ShouldStop);
        Assert.Equal(0, stopping.BestEpochIndex);
    }

    [Fact]
    public void Record_MinEpochs_EarlierEpochsAreNeitherBestNorCountedAgainstPatience()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        // The one-class pattern on small data: epoch 1 scores as well as any later epoch ever does.
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 1, minEpochs: 3);

        Assert.False(stopping.Record(0.55, null, parameters));
        Assert.False(stopping.Record(0.55, null, parameters));
        Assert.False(stopping.ShouldStop);
        Assert.True(stopping.Record(0.50, null, parameters));
        Assert.Equal(2, stopping.BestEpochIndex);
        Assert.False(stopping.Record(0.50, null, parameters));

        Assert.True(stopping.ShouldStop);
        Assert.Equal(0.50, stopping.BestValue);
    }

    [Fact]
    public void Record_MonitoringLoss_LowerLossWinsWhileTheMetricStandsStill()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 1, monitorLoss: true);

        Assert.True(stopping.Record(0.55, 0.69, parameters));
        Assert.True(stopping.Record(0.55, 0.60, parameters));
        Assert.False(stopping.Record(0.90, 0.65, parameters));

        Assert.Equal(1, stopping.BestEpochIndex);
        Assert.True(stopping.ShouldStop);
        Assert.Equal(new double?[] { 0.69, 0.60, 0.65 }, stopping.LossHistory);
        Assert.Equal(new[] { 0.55, 0.55, 0.90 }, stopping.History);
    }

    [Fact]
    public void Restore_WithLosses_RebuildsTheLossMonitoredBestEpoch()
    {
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 2, monitorLoss: true);

        stopping.Restore(new[] { 0.4, 0.8, 0.5 }, new double?[] { 0.9, 0.7, 0.6 }, bestValues: null);

        Assert.Equal(2, stopping.BestEpochIndex);
        Assert.False(stopping.ShouldStop);
    }
}
