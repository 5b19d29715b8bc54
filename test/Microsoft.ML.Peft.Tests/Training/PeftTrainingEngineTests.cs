// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class PeftTrainingEngineTests
{
    // 48 examples in batches of 8: 6 steps per epoch, 24 steps in all.
    private static readonly TrainingSettings s_settings = new()
    {
        Epochs = 4,
        BatchSize = 8,
        LearningRate = 2e-2,
        WarmupFraction = 0.1,
        ReportEverySteps = 4,
        Seed = 5,
    };

    [Fact]
    public void Train_TinyClassifier_ReducesTheLossAndReportsProgress()
    {
        using var problem = TrainingProblem.Create();
        double before = problem.TrainingLoss();
        var progress = new RecordingProgress();
        var lines = new List<string>();

        var result = PeftTrainingEngine.Train(problem.Job(problem.Accuracy()), s_settings, CPU, progress, lines.Add);

        double after = problem.TrainingLoss();
        Assert.True(after < before * 0.7, $"training loss went from {before:F4} to {after:F4}");
        Assert.Equal(24, result.Steps);
        Assert.Equal(24, result.TotalSteps);
        Assert.Equal(4, result.EpochsCompleted);
        Assert.Equal(4, result.MetricHistory.Count);
        Assert.False(result.StoppedEarly);
        Assert.False(result.RestoredBestEpoch);
        Assert.True(double.IsFinite(result.FinalLoss));
        Assert.False(problem.Model.training);

        // Steps 4, 8, 16 and 20 report on the interval; 6, 12, 18 and 24 close epochs (12 and 24 would be both).
        Assert.Equal(new[] { 4, 6, 8, 12, 16, 18, 20, 24 }, progress.Reports.Select(r => r.Step));
        Assert.All(progress.Reports.Where(r => r.IsEpochEnd), r => Assert.Equal("accuracy", r.ValidationMetricName));
        Assert.All(progress.Reports.Where(r => !r.IsEpochEnd), r => Assert.Null(r.ValidationMetric));
        Assert.All(progress.Reports, r => Assert.NotNull(r.GradientNorm));
        Assert.Equal(result.MetricHistory, progress.Reports.Where(r => r.IsEpochEnd).Select(r => r.ValidationMetric!.Value));
        Assert.Contains(lines, l => l.StartsWith("epoch 4/4, step 24/24: loss", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Epoch 1: validation accuracy", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_Always_ChangesEveryTrainableParameterAndNoFrozenOne()
    {
        using var problem = TrainingProblem.Create();
        var trainableBefore = problem.TrainableValues();
        var frozenBefore = problem.FrozenValues();

        PeftTrainingEngine.Train(problem.Job(), s_settings with { Epochs = 1 }, CPU);

        foreach (var (name, parameter) in problem.Peft.NamedTrainableParameters())
        {
            Assert.False(ModelState.Identical(parameter, trainableBefore[name]), $"trainable '{name}' did not change");
        }

        var frozenAfter = problem.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, value) in frozenBefore)
        {
            Assert.True(ModelState.Identical(frozenAfter[name], value), $"frozen '{name}' changed");
        }

        ModelState.Dispose(trainableBefore);
        ModelState.Dispose(frozenBefore);
    }

    [Fact]
    public void Train_SameSeedTwice_GivesBitIdenticalParameters_OtherSeedDoesNot()
    {
        var first = TrainedValues(s_settings);
        var second = TrainedValues(s_settings);
        var other = TrainedValues(s_settings with { Seed = 6 });

        foreach (var (name, value) in first)
        {
            Assert.True(ModelState.Identical(value, second[name]), $"'{name}' differs between two runs with the same seed");
        }

        Assert.Contains(first, p => !ModelState.Identical(p.Value, other[p.Key]));
        ModelState.Dispose(first);
        ModelState.Dispose(second);
        ModelState.Dispose(other);
    }

    [Fact]
    public void Train_MetricStopsImproving_StopsEarlyAndRestoresTheBestEpoch()
    {
        using var problem = TrainingProblem.Create();
        var metrics = new Queue<double>(new[] { 0.5, 0.8, 0.7, 0.6, 0.9, 0.95 });
        Dictionary<string, Tensor>? atBest = null;
        var validation = new ValidationEvaluator("score", HigherIsBetter: true, () =>
        {
            Assert.False(problem.Model.training);
            Assert.False(is_grad_enabled());
            double metric = metrics.Dequeue();
            if (metric == 0.8)
            {
                atBest = problem.TrainableValues();
            }

            return metric;
        });

        var result = PeftTrainingEngine.Train(problem.Job(validation), s_settings with { Epochs = 6, EarlyStoppingPatience = 2 }, CPU);

        Assert.True(result.StoppedEarly);
        Assert.True(result.RestoredBestEpoch);
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(new[] { 0.5, 0.8, 0.7, 0.6 }, result.MetricHistory);
        Assert.Equal(24, result.Steps);
        Assert.Equal(36, result.TotalSteps);
        foreach (var (name, parameter) in problem.Peft.NamedTrainableParameters())
        {
            Assert.True(ModelState.Identical(parameter, atBest![name]), $"'{name}' was not restored to the best epoch");
        }

        ModelState.Dispose(atBest!);
    }

    [Fact]
    public void Train_Cancelled_ThrowsLeavesEvalModeAndLeaksNoTensor()
    {
        using var problem = TrainingProblem.Create();
        using var cancellation = new CancellationTokenSource();
        int calls = 0;
        var job = problem.Job(loss: (batch, device) =>
        {
            if (++calls == 3)
            {
                cancellation.Cancel();
            }

            return problem.Loss(batch, device);
        });
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Throws<OperationCanceledException>(() => PeftTrainingEngine.Train(job, s_settings, CPU, cancellationToken: cancellation.Token));

        Assert.Equal(3, calls);
        Assert.False(problem.Model.training);
        Assert.All(problem.Peft.GetTrainableParameters(), p => Assert.Null(p.grad));
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Train_WholeRunWithValidationAndEarlyStopping_LeaksNoTensor()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job(problem.Accuracy());
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        PeftTrainingEngine.Train(job, s_settings with { EarlyStoppingPatience = 1 }, CPU);

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Train_LossBecomesNonFinite_ThrowsNamingTheStepAndTheFix()
    {
        using var problem = TrainingProblem.Create();
        int calls = 0;
        var job = problem.Job(loss: (batch, device) => ++calls == 5 ? problem.Loss(batch, device) * double.NaN : problem.Loss(batch, device));

        var error = Assert.Throws<InvalidOperationException>(() => PeftTrainingEngine.Train(job, s_settings with { MaxGradNorm = null }, CPU));

        Assert.Contains("loss became NaN at step 5 (epoch 1)", error.Message);
        Assert.Contains("Lower `LearningRate` (now 0.02)", error.Message);
        Assert.Contains("set `MaxGradNorm`", error.Message);
        Assert.False(problem.Model.training);
    }

    [Fact]
    public void Train_GradientNotFiniteWhileTheLossIs_ThrowsNamingTheParameters()
    {
        using var problem = TrainingProblem.Create();
        var (name, parameter) = problem.Model.named_parameters().First(p => p.parameter.requires_grad);

        // 0 · sqrt(0 · p): the loss stays finite, its gradient is 0 · ∞ = NaN in that parameter alone.
        var job = problem.Job(loss: (batch, device) => problem.Loss(batch, device) + (parameter * 0).sqrt().sum() * 0);

        var error = Assert.Throws<InvalidOperationException>(() => PeftTrainingEngine.Train(job, s_settings, CPU));

        Assert.Contains("gradient norm became NaN at step 1 (epoch 1)", error.Message);
        // Named as the PEFT model's state_dict names it, and alone: clipping did not spread the NaN to the other gradients.
        Assert.Contains($"in the gradients of 1 parameter(s): base_model.model.{name};", error.Message);
    }

    [Fact]
    public void Train_ClippingOff_ReportsNoGradientNorm()
    {
        using var problem = TrainingProblem.Create();
        var progress = new RecordingProgress();

        PeftTrainingEngine.Train(problem.Job(), s_settings with { Epochs = 1, MaxGradNorm = 0 }, CPU, progress);

        Assert.All(progress.Reports, r => Assert.Null(r.GradientNorm));
    }

    [Fact]
    public void Train_ModelParameterOutsideTheTrainableList_ThrowsNamingIt()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job();
        problem.Model.named_parameters().First(p => p.name == "lin0.bias").parameter.requires_grad = true;

        var error = Assert.Throws<ArgumentException>("job", () => PeftTrainingEngine.Train(job, s_settings, CPU));

        Assert.Contains("lin0.bias", error.Message);
        Assert.Contains("requires_grad = false", error.Message);
    }

    [Fact]
    public void Train_InconsistentJobs_ThrowSayingWhatToChange()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job();
        var empty = new TrainingJob { Model = job.Model, TrainableParameters = Array.Empty<(string, Parameter)>(), ExampleLengths = job.ExampleLengths, ComputeLoss = job.ComputeLoss };
        var noRows = new TrainingJob { Model = job.Model, TrainableParameters = job.TrainableParameters, ExampleLengths = Array.Empty<int>(), ComputeLoss = job.ComputeLoss };
        var twice = new TrainingJob
        {
            Model = job.Model,
            TrainableParameters = job.TrainableParameters.Append(("alias", job.TrainableParameters[0].Parameter)).ToList(),
            ExampleLengths = job.ExampleLengths,
            ComputeLoss = job.ComputeLoss,
        };

        Assert.Contains("nothing to train", Assert.Throws<ArgumentException>(() => PeftTrainingEngine.Train(empty, s_settings, CPU)).Message);
        Assert.Contains("at least one row", Assert.Throws<ArgumentException>(() => PeftTrainingEngine.Train(noRows, s_settings, CPU)).Message);
        Assert.Contains("listed under two names", Assert.Throws<ArgumentException>(() => PeftTrainingEngine.Train(twice, s_settings, CPU)).Message);
        Assert.Contains("no validation set", Assert.Throws<ArgumentException>(() => PeftTrainingEngine.Train(job, s_settings with { EarlyStoppingPatience = 2 }, CPU)).Message);
        Assert.Throws<ArgumentOutOfRangeException>("BatchSize", () => PeftTrainingEngine.Train(job, s_settings with { BatchSize = 0 }, CPU));
    }

    [Fact]
    public void Train_LossWithoutGradient_ThrowsSayingWhy()
    {
        using var problem = TrainingProblem.Create();
        var job = problem.Job(loss: (batch, device) => problem.Loss(batch, device).detach());

        var error = Assert.Throws<InvalidOperationException>(() => PeftTrainingEngine.Train(job, s_settings, CPU));

        Assert.Contains("does not depend on any trainable parameter", error.Message);
    }

    private static Dictionary<string, Tensor> TrainedValues(TrainingSettings settings)
    {
        using var problem = TrainingProblem.Create();
        PeftTrainingEngine.Train(problem.Job(), settings, CPU);
        return problem.TrainableValues();
    }
}
