// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingFingerprintTests
{
    [Fact]
    public void FirstDifference_SameRunAndReportOnlySettings_IsNull()
    {
        using var problem = TrainingProblem.Create();
        var settings = new TrainingSettings { BatchSize = 8 };
        var fingerprint = TrainingFingerprint.Create(problem.Job(), settings);
        var other = TrainingFingerprint.Create(problem.Job(), settings with { CheckpointEverySteps = 7, ReportEverySteps = 3, CheckpointDirectory = "x" });

        Assert.Null(other.FirstDifference(TrainingFingerprint.FromValues(fingerprint.Values)));
    }

    [Fact]
    public void FirstDifference_OtherBatchSize_NamesTheSettingAndBothValues()
    {
        using var problem = TrainingProblem.Create();
        var saved = TrainingFingerprint.Create(problem.Job(), new TrainingSettings { BatchSize = 8 });
        var current = TrainingFingerprint.Create(problem.Job(), new TrainingSettings { BatchSize = 4 });

        Assert.Equal("`BatchSize` is 8 there and 4 in this run", current.FirstDifference(saved));
    }

    [Fact]
    public void FirstDifference_OtherData_SaysTheExamplesChanged()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job();
        var saved = TrainingFingerprint.Create(job, new TrainingSettings());
        var fewer = new TrainingJob { Model = job.Model, TrainableParameters = job.TrainableParameters, ExampleLengths = problem.Lengths[1..], ComputeLoss = job.ComputeLoss };
        var changed = new TrainingJob { Model = job.Model, TrainableParameters = job.TrainableParameters, ExampleLengths = problem.Lengths.Select(l => l + 1).ToArray(), ComputeLoss = job.ComputeLoss };

        Assert.Contains("48 training examples and this run has 47", TrainingFingerprint.Create(fewer, new TrainingSettings()).FirstDifference(saved));
        Assert.Contains("the data changed", TrainingFingerprint.Create(changed, new TrainingSettings()).FirstDifference(saved));
    }

    [Fact]
    public void FirstDifference_OtherParameters_NamesTheParameter()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job();
        var saved = TrainingFingerprint.Create(job, new TrainingSettings());
        var fewer = new TrainingJob { Model = job.Model, TrainableParameters = job.TrainableParameters.Skip(1).ToList(), ExampleLengths = job.ExampleLengths, ComputeLoss = job.ComputeLoss };

        string? difference = TrainingFingerprint.Create(fewer, new TrainingSettings()).FirstDifference(saved);

        Assert.Equal($"it holds trainable parameter '{job.TrainableParameters[0].Name}', which this run does not train", difference);
    }
}
