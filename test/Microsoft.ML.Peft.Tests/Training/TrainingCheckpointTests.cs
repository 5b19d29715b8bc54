// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingCheckpointTests : IDisposable
{
    // 6 steps per epoch, 18 in all; a checkpoint every 4 steps.
    private static readonly TrainingSettings s_settings = new()
    {
        Epochs = 3,
        BatchSize = 8,
        LearningRate = 2e-2,
        WarmupFraction = 0.1,
        EarlyStoppingPatience = 5,
        CheckpointEverySteps = 4,
        Seed = 9,
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-checkpoints-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    public void Train_CrashedThenResumed_EndsWithTheSameParametersAsAnUninterruptedRun(int crashAfterSteps)
    {
        Dictionary<string, Tensor> uninterrupted;
        IReadOnlyList<double> uninterruptedHistory;
        using (var problem = TrainingProblem.Create())
        {
            uninterruptedHistory = PeftTrainingEngine.Train(problem.Job(problem.Accuracy()), s_settings, CPU).MetricHistory;
            uninterrupted = problem.TrainableValues();
        }

        var settings = s_settings with { CheckpointDirectory = _directory };
        using (var crashing = TrainingProblem.Create())
        {
            using var cancellation = new CancellationTokenSource();
            var progress = new RecordingProgress { OnReport = r => { if (r.Step == crashAfterSteps) { cancellation.Cancel(); } } };
            Assert.Throws<OperationCanceledException>(() => PeftTrainingEngine.Train(
                crashing.Job(crashing.Accuracy()), settings with { ReportEverySteps = 1 }, CPU, progress, cancellationToken: cancellation.Token));
        }

        int lastCheckpoint = crashAfterSteps / s_settings.CheckpointEverySteps * s_settings.CheckpointEverySteps;
        Assert.EndsWith("checkpoint-" + lastCheckpoint, TrainingCheckpoint.FindLatest(_directory));

        using var resumed = TrainingProblem.Create();
        var lines = new List<string>();
        var job = resumed.Job(resumed.Accuracy());
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var result = PeftTrainingEngine.Train(job, settings, CPU, log: lines.Add);

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        Assert.Equal(lastCheckpoint, result.ResumedFromStep);
        Assert.Equal(18, result.Steps);
        Assert.Equal(uninterruptedHistory, result.MetricHistory);
        Assert.Contains(lines, l => l.StartsWith($"Resumed from the checkpoint at step {lastCheckpoint} of 18", StringComparison.Ordinal));
        foreach (var (name, parameter) in resumed.Peft.NamedTrainableParameters())
        {
            Assert.True(ModelState.Identical(parameter, uninterrupted[name]), $"'{name}' differs from the uninterrupted run");
        }

        ModelState.Dispose(uninterrupted);
    }

    [Fact]
    public void Train_SeveralCheckpoints_KeepsOnlyTheNewestAndNoTemporaryFolder()
    {
        using var problem = TrainingProblem.Create();

        PeftTrainingEngine.Train(problem.Job(problem.Accuracy()), s_settings with { CheckpointDirectory = _directory }, CPU);

        string folder = Assert.Single(Directory.GetDirectories(_directory));
        Assert.Equal("checkpoint-16", Path.GetFileName(folder));
        Assert.Equal(
            new[] { TrainingCheckpoint.BestParametersFileName, TrainingCheckpoint.OptimizerFileName, TrainingCheckpoint.ParametersFileName, TrainingCheckpoint.StateFileName },
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Train_FinishedRunResumed_RunsOnlyTheStepsAfterItsLastCheckpoint()
    {
        var settings = s_settings with { CheckpointDirectory = _directory, CheckpointEverySteps = 6 };
        using (var first = TrainingProblem.Create())
        {
            PeftTrainingEngine.Train(first.Job(first.Accuracy()), settings, CPU);
        }

        using var again = TrainingProblem.Create();
        int calls = 0;
        var result = PeftTrainingEngine.Train(again.Job(again.Accuracy(), (b, d) => { calls++; return again.Loss(b, d); }), settings, CPU);

        Assert.Equal(18, result.ResumedFromStep);
        Assert.Equal(0, calls);
        Assert.Equal(3, result.MetricHistory.Count);
    }

    [Fact]
    public void Train_CheckpointOfOtherSettings_IsRefusedNamingTheDifference()
    {
        using (var first = TrainingProblem.Create())
        {
            PeftTrainingEngine.Train(first.Job(first.Accuracy()), s_settings with { Epochs = 1, CheckpointDirectory = _directory }, CPU);
        }

        using var other = TrainingProblem.Create();
        var error = Assert.Throws<InvalidOperationException>(() => PeftTrainingEngine.Train(
            other.Job(other.Accuracy()), s_settings with { Epochs = 1, BatchSize = 4, CheckpointDirectory = _directory }, CPU));

        Assert.Contains("was written by a different training run: `BatchSize` is 8 there and 4 in this run", error.Message);
        Assert.Contains("CheckpointDirectory", error.Message);
        Assert.False(other.Model.training);
    }

    [Fact]
    public void Train_CheckpointOfOtherModel_IsRefusedNamingTheParameter()
    {
        using (var first = TrainingProblem.Create())
        {
            PeftTrainingEngine.Train(first.Job(first.Accuracy()), s_settings with { Epochs = 1, CheckpointDirectory = _directory }, CPU);
        }

        using var model = new TinyMlp();
        using var peft = PeftModel.Create(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ModuleSelector.FromNames("lin0") });
        using var problem = TrainingProblem.Create();
        var job = new TrainingJob
        {
            Model = model,
            TrainableParameters = peft.NamedTrainableParameters(),
            ExampleLengths = problem.Lengths,
            ComputeLoss = (batch, device) => model.call(randn(batch.Length, 10)).sum(),
            Validation = problem.Accuracy(),
        };

        var error = Assert.Throws<InvalidOperationException>(() => PeftTrainingEngine.Train(job, s_settings with { Epochs = 1, CheckpointDirectory = _directory }, CPU));

        Assert.Contains("trainable parameter 'base_model.model.lin0.lora_A.default.weight' is Float32[4, 10] there and Float32[2, 10] in this run", error.Message);
    }

    [Fact]
    public void Train_CorruptStateFile_ThrowsInvalidDataNamingTheFile()
    {
        string folder = Path.Combine(_directory, "checkpoint-4");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, TrainingCheckpoint.StateFileName), "{ not json");
        using var problem = TrainingProblem.Create();

        var error = Assert.Throws<InvalidDataException>(() => PeftTrainingEngine.Train(
            problem.Job(problem.Accuracy()), s_settings with { CheckpointDirectory = _directory }, CPU));

        Assert.Contains(TrainingCheckpoint.StateFileName, error.Message);
    }
}
