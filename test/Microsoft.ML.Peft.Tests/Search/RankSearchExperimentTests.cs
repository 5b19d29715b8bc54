// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Search;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;

namespace Microsoft.ML.Peft.Tests.Search;

/// <summary>
/// The rank search on the tiny BERT and a toy sentiment task: each strategy end to end, successive halving's continued trials
/// equal to uninterrupted ones, DyLoRA's rank rows, the best model, memory between trials, and every refusal before training.
/// </summary>
public sealed class RankSearchExperimentTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-search-" + Guid.NewGuid().ToString("N"));
    private readonly MLContext _ml = new(seed: 1);
    private readonly PretrainedModel _backbone;

    public RankSearchExperimentTests()
    {
        _backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(Path.Combine(_directory, "tiny-bert")));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Grid_TriesEveryPoint_ReturnsTheBestModel_AndLeavesNoTensorAlive()
    {
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var progress = new List<PeftTrialProgress>();
        var result = Experiment(Space(ranks: new[] { 2, 4 }, rates: 2), PeftSearchStrategy.Grid, p => progress.Add(p)).Execute(Train(), Validation());

        Assert.Equal(PeftExperimentStop.SpaceExhausted, result.StoppedBy);
        Assert.Equal(4, result.Leaderboard.Count);
        Assert.All(result.Leaderboard, t => Assert.Equal((PeftTrialStatus.Completed, 1.0), (t.Status, t.ScheduleFraction)));
        Assert.Equal(new[] { 1, 2, 3, 4 }, progress.Select(p => p.Trial.TrialId).ToArray());
        Assert.All(progress, p => Assert.Equal(4, p.MaxTrials));
        Assert.Equal(result.Leaderboard.Max(t => t.Metric), result.BestTrial.Metric);
        Assert.Same(result.Leaderboard[0], result.BestTrial);

        // The returned model is the best trial's: it scores the validation set to the same metric.
        using (var best = (LoraTextClassificationTransformer)result.BestModel)
        {
            var scored = best.Transform(Validation());
            Assert.Equal(result.BestTrial.Metric, ClassifierSearchMetrics.Evaluate(_ml, scored, PeftSearchMetric.MacroF1, "Label", "Score", "Probability", "PredictedLabel"), 6);
            Assert.Equal(result.BestTrial.TrainableParameters, best.TrainingInfo!.TrainableParameters);
        }

        // Rank 4 trains twice rank 2's LoRA values (the head is the same), and every row is filled in.
        var byRank = result.Leaderboard.GroupBy(t => t.Rank!.Value).ToDictionary(g => g.Key, g => g.First().TrainableParameters);
        Assert.True(byRank[4] > byRank[2]);
        Assert.All(result.Leaderboard, t => Assert.True(t.AdapterBytes > 0 && t.Duration > TimeSpan.Zero && t.Steps == 8));
        Assert.All(result.Leaderboard, t => Assert.Equal(2 * t.Rank, t.Alpha));
        Assert.Contains("| 1 | LORA | 2 |", result.FormatLeaderboard());
        Assert.NotEmpty(result.ParetoFront);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void SuccessiveHalving_ContinuesTheBest_AndItsContinuedTrialPredictsAsTheSameSettingsTrainedInOneRun()
    {
        var space = Space(ranks: new[] { 2, 4, 8 }, rates: 1);
        var asha = Experiment(space, PeftSearchStrategy.SuccessiveHalving, rungs: 2, metric: PeftSearchMetric.AreaUnderRocCurve).Execute(Train(), Validation());
        using var ashaModel = (LoraTextClassificationTransformer)asha.BestModel;

        // Three trials measured at a third of the schedule; the best third (one) continued to the end.
        Assert.Equal(3, asha.Leaderboard.Count);
        var completed = Assert.Single(asha.Leaderboard, t => t.Status == PeftTrialStatus.Completed);
        Assert.Equal(2, completed.RungMetrics.Count);
        Assert.Equal(completed.RungMetrics[0], asha.Leaderboard.Max(t => t.RungMetrics[0]));
        Assert.All(asha.Leaderboard.Where(t => t != completed), t => Assert.Equal((PeftTrialStatus.Paused, 1 / 3.0, 3), (t.Status, t.ScheduleFraction, t.Steps)));
        Assert.Equal(8, completed.Steps);
        Assert.Same(completed, asha.BestTrial);

        // Paused after 3 steps and resumed from its checkpoint with the point's seed, the trial trained exactly what one
        // uninterrupted fit of the same settings and seed trains: every probability is the same.
        var point = SearchPoint.Create(0, new LoraConfig(), completed.Rank!.Value, 2, PeftSearchSpace.Defaults.Dropout, null, completed.LearningRate);
        var options = new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 2, BatchSize = 16, Method = point.BuildMethod(), LearningRate = completed.LearningRate };
        using var oneRun = new MLContext(seed: point.TrialSeed(11)).Peft().LoraTextClassifier(options).Fit(Train());
        Assert.Equal(Probabilities(oneRun), Probabilities(ashaModel));
    }

    [Fact]
    public void Random_SameSeed_SameTrialsAndMetrics_WithinTheTrialBudget()
    {
        var space = Space(ranks: new[] { 2, 4, 8 }, rates: 3);
        var first = Experiment(space, PeftSearchStrategy.Random, maxTrials: 2).Execute(Train(), Validation());
        var second = Experiment(space, PeftSearchStrategy.Random, maxTrials: 2).Execute(Train(), Validation());
        ((IDisposable)first.BestModel).Dispose();
        ((IDisposable)second.BestModel).Dispose();

        Assert.Equal(PeftExperimentStop.TrialBudget, first.StoppedBy);
        Assert.Equal(2, first.Leaderboard.Count);
        Assert.Equal(
            first.Leaderboard.Select(t => (t.TrialId, t.Rank, t.LearningRate, t.Metric)).ToArray(),
            second.Leaderboard.Select(t => (t.TrialId, t.Rank, t.LearningRate, t.Metric)).ToArray());
        Assert.All(first.Leaderboard, t => Assert.InRange(t.LearningRate, space.MinLearningRate, space.MaxLearningRate));
    }

    [Fact]
    public void DyLora_OneRunPerRate_EvaluatesEveryRankWithoutRetraining_AndKeepsTheBestRank()
    {
        var progress = new List<PeftTrialProgress>();
        var result = Experiment(Space(ranks: new[] { 1, 2, 4 }, rates: 1), PeftSearchStrategy.DyLora, p => progress.Add(p)).Execute(Train(), Validation());
        using var best = (LoraTextClassificationTransformer)result.BestModel;

        Assert.Equal(3, result.Leaderboard.Count);
        Assert.All(result.Leaderboard, t => Assert.IsType<DyLoraConfig>(t.Method));
        var rows = result.Leaderboard.OrderBy(t => t.Rank).ToArray();
        Assert.Equal(new[] { 1, 2, 4 }, rows.Select(t => t.Rank!.Value).ToArray());

        // One training run: every rank row has its steps; the factors of rank b are b/4 of rank 4's.
        Assert.All(rows, t => Assert.Equal(8, t.Steps));
        long head = rows[0].TrainableParameters - ((rows[2].TrainableParameters - rows[0].TrainableParameters) / 3);
        Assert.Equal(rows[1].TrainableParameters - head, 2 * (rows[0].TrainableParameters - head));
        Assert.Equal(result.BestTrial.Rank, best.AdapterModel.GetDyLoraRank());
        Assert.Equal(result.Leaderboard.Max(t => t.Metric), result.BestTrial.Metric);
        Assert.All(progress, p => Assert.Equal((1, 1), (p.TrialsStarted, p.MaxTrials)));
    }

    [Fact]
    public void AFailingTrial_IsRecordedWithItsError_AndTheSearchGoesOn()
    {
        var space = Space(ranks: new[] { 2 }, rates: 1);
        space.TargetModuleSets.Add(new[] { "no_such_module" });

        var result = Experiment(space, PeftSearchStrategy.Grid).Execute(Train(), Validation());
        ((IDisposable)result.BestModel).Dispose();

        var failed = Assert.Single(result.Leaderboard, t => t.Status == PeftTrialStatus.Failed);
        Assert.Contains("no_such_module", failed.Error);
        Assert.True(double.IsNaN(failed.Metric));
        Assert.Same(result.Leaderboard[0], result.BestTrial);
        Assert.Equal(PeftTrialStatus.Completed, result.BestTrial.Status);
        Assert.Null(result.BestTrial.TargetModules);
    }

    [Fact]
    public void Cancelled_AfterTheFirstTrial_ReturnsWhatWasMeasured()
    {
        using var cancellation = new CancellationTokenSource();
        var experiment = Experiment(Space(ranks: new[] { 2, 4, 8 }, rates: 1), PeftSearchStrategy.Grid, _ => cancellation.Cancel(), cancellation: cancellation.Token);

        var result = experiment.Execute(Train(), Validation());
        ((IDisposable)result.BestModel).Dispose();

        Assert.Equal(PeftExperimentStop.Cancelled, result.StoppedBy);
        Assert.Single(result.Leaderboard);
    }

    [Fact]
    public void Cancelled_BeforeAnyTrial_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var experiment = Experiment(Space(ranks: new[] { 2 }, rates: 1), PeftSearchStrategy.Grid, cancellation: cancellation.Token);

        Assert.ThrowsAny<OperationCanceledException>(() => experiment.Execute(Train(), Validation()));
    }

    [Fact]
    public void BadInput_IsRefusedBeforeAnyTrial_NamingWhatToFix()
    {
        var empty = Space(ranks: new[] { 2 }, rates: 1);
        empty.Ranks.Clear();
        var error = Assert.Throws<ArgumentException>(() => Experiment(empty, PeftSearchStrategy.Grid).Execute(Train(), Validation()));
        Assert.Contains("search space is empty", error.Message);
        Assert.Contains("Ranks", error.Message);

        error = Assert.Throws<ArgumentException>(() => Experiment(Space(new[] { 2 }, 1), PeftSearchStrategy.Grid, metric: PeftSearchMetric.EntityF1).Execute(Train(), Validation()));
        Assert.Contains("EntityF1", error.Message);
        Assert.Contains("MacroF1", error.Message);
        Assert.Contains("AreaUnderRocCurve", error.Message);

        var textLabels = _ml.Data.LoadFromEnumerable(SentimentRows.Create(16, seed: 9));
        error = Assert.Throws<ArgumentException>(() => Experiment(Space(new[] { 2 }, 1), PeftSearchStrategy.Grid).Execute(Train(), textLabels));
        Assert.Contains("Column 'Label'", error.Message);
        Assert.Contains("validation set", error.Message);

        error = Assert.Throws<ArgumentException>(() => Experiment(Space(new[] { 2 }, 1), PeftSearchStrategy.Grid, budget: TimeSpan.FromMilliseconds(1)).Execute(Train(), Validation()));
        Assert.Contains("too small for one trial", error.Message);
        Assert.Contains("s to build the model", error.Message);
        Assert.Contains("steps of", error.Message);
    }

    private PeftExperiment Experiment(
        PeftSearchSpace space, PeftSearchStrategy strategy, Action<PeftTrialProgress>? progress = null, int rungs = 2,
        PeftSearchMetric? metric = null, int? maxTrials = null, TimeSpan? budget = null, CancellationToken cancellation = default) =>
        _ml.Peft().Auto().CreateTextClassificationExperiment(
            new LoraTextClassifierOptions { Backbone = _backbone, Epochs = 2, BatchSize = 16 },
            new PeftExperimentOptions
            {
                SearchSpace = space,
                Strategy = strategy,
                Metric = metric,
                Rungs = rungs,
                MaxTrials = maxTrials,
                MaxExperimentTime = budget ?? TimeSpan.FromMinutes(10),
                Seed = 11,
                Progress = progress is null ? null : new SynchronousProgress(progress),
                CancellationToken = cancellation,
            });

    private static PeftSearchSpace Space(int[] ranks, int rates)
    {
        var space = new PeftSearchSpace { LearningRateGridPoints = rates, MinLearningRate = 3e-3, MaxLearningRate = 1e-2 };
        space.Ranks.Clear();
        foreach (int rank in ranks)
        {
            space.Ranks.Add(rank);
        }

        return space;
    }

    private float[] Probabilities(ITransformer model) => model.Transform(Validation()).GetColumn<float>("Probability").ToArray();

    private IDataView Train() => _ml.Data.LoadFromEnumerable(SentimentRows.CreateBoolean(64, seed: 3));

    private IDataView Validation() => _ml.Data.LoadFromEnumerable(SentimentRows.CreateBoolean(48, seed: 4));

    // Progress<T> posts to the thread pool; the tests need the report before the next trial.
    private sealed class SynchronousProgress(Action<PeftTrialProgress> report) : IProgress<PeftTrialProgress>
    {
        public void Report(PeftTrialProgress value) => report(value);
    }
}
