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

        Assert.True(stopping.Record(0.5, parameters));
        Assert.True(stopping.Record(0.7, parameters));
        Assert.False(stopping.Record(0.7, parameters));
        Assert.False(stopping.ShouldStop);
        Assert.False(stopping.Record(0.6, parameters));

        Assert.True(stopping.ShouldStop);
        Assert.Equal(1, stopping.BestEpochIndex);
    }

    [Fact]
    public void Record_LowerIsBetterAndNonFinite_NonFiniteNeverWins()
    {
        using var scope = NewDisposeScope();
        var parameters = new List<(string, Parameter)> { ("w", new Parameter(zeros(2))) };
        using var stopping = new EarlyStopping(higherIsBetter: false, patience: null);

        Assert.False(stopping.Record(double.NaN, parameters));
        Assert.Null(stopping.BestEpochIndex);
        Assert.True(stopping.Record(2.0, parameters));
        Assert.True(stopping.Record(1.0, parameters));
        Assert.False(stopping.Record(double.NegativeInfinity, parameters));

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
        stopping.Record(0.9, parameters);
        using (no_grad())
        {
            weight.fill_(5.0f);
        }

        stopping.Record(0.1, parameters);

        Assert.True(stopping.RestoreBest(parameters));
        Assert.Equal(1.0f, weight[0].item<float>());
    }

    [Fact]
    public void Restore_FromHistory_RebuildsBestEpochAndStopDecision()
    {
        using var stopping = new EarlyStopping(higherIsBetter: true, patience: 2);

        stopping.Restore(new[] { 0.4, 0.8, 0.5, 0.6 }, bestValues: null);

        Assert.Equal(1, stopping.BestEpochIndex);
        Assert.True(stopping.ShouldStop);
        Assert.Equal(4, stopping.History.Count);
    }
}
