// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Search;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Peft;

/// <summary>
/// A rank search over a PEFT task estimator's options, in the shape of ML.NET AutoML's experiments: a search space, a tuner
/// that proposes trials and learns from their results, a metric measured on validation data, and time and trial budgets.
/// Trials run one at a time on the task's own estimator; only the best model is kept, every other one is disposed as soon as
/// it is measured. Created by a task's method on <c>mlContext.Peft().Auto()</c>, such as <c>CreateTextClassificationExperiment</c>.
/// </summary>
/// <remarks>
/// Before the first trial, the experiment checks the options, the metric and both data sets' columns, then times a fit of the
/// first two steps and an evaluation, and refuses a time budget too small for one trial, saying how long one takes.
/// </remarks>
public sealed class PeftExperiment
{
    private readonly MLContext _context;
    private readonly SearchTask _task;
    private readonly PeftExperimentOptions _options;
    private int? _seed;

    internal PeftExperiment(MLContext context, SearchTask task, PeftExperimentOptions options)
    {
        _context = context;
        _task = task;
        _options = options;
    }

    /// <summary>Runs the search, holding out <see cref="PeftExperimentOptions.ValidationFraction"/> of the training data for validation.</summary>
    /// <param name="trainData">The training data, with the task's columns.</param>
    /// <returns>The leaderboard, the best trial and its model.</returns>
    /// <exception cref="ArgumentException">An option, the metric, a column or the time budget is wrong; the message names it and the fix.</exception>
    /// <exception cref="OperationCanceledException">The search was cancelled before any trial was measured.</exception>
    public PeftExperimentResult Execute(IDataView trainData) => Execute(trainData, null, null);

    /// <summary>Runs the search, measuring every trial on <paramref name="validationData"/>.</summary>
    /// <param name="trainData">The training data, with the task's columns.</param>
    /// <param name="validationData">The validation data, with the training data's columns and types.</param>
    /// <returns>The leaderboard, the best trial and its model.</returns>
    /// <exception cref="ArgumentException">An option, the metric, a column or the time budget is wrong; the message names it and the fix.</exception>
    /// <exception cref="OperationCanceledException">The search was cancelled before any trial was measured.</exception>
    public PeftExperimentResult Execute(IDataView trainData, IDataView validationData) =>
        Execute(trainData, validationData ?? throw new ArgumentNullException(nameof(validationData)), null);

    /// <summary>Runs the search after <paramref name="preFeaturizer"/>, measuring every trial on <paramref name="validationData"/>.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">
    /// The validation data, with the training data's columns and types; null holds out
    /// <see cref="PeftExperimentOptions.ValidationFraction"/> of the training data.
    /// </param>
    /// <param name="preFeaturizer">
    /// Transforms fitted on the training data and applied to both sets before the task (for example <c>MapValueToKey</c>); their
    /// fitted transformers lead <see cref="PeftExperimentResult.BestModel"/>. Null for none.
    /// </param>
    /// <returns>The leaderboard, the best trial and its model.</returns>
    /// <exception cref="ArgumentException">An option, the metric, a column or the time budget is wrong; the message names it and the fix.</exception>
    /// <exception cref="OperationCanceledException">The search was cancelled before any trial was measured.</exception>
    public PeftExperimentResult Execute(IDataView trainData, IDataView? validationData, IEstimator<ITransformer>? preFeaturizer)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        CheckOptions();
        if (validationData is null)
        {
            var split = _context.Data.TrainTestSplit(trainData, _options.ValidationFraction, seed: ExperimentSeed);
            (trainData, validationData) = (split.TrainSet, split.TestSet);
        }

        var clock = Stopwatch.StartNew();
        var prepared = preFeaturizer?.Fit(trainData);
        var train = prepared?.Transform(trainData) ?? trainData;
        var validation = prepared?.Transform(validationData) ?? validationData;
        var metric = CheckMetric(train.Schema);
        CheckColumns(train.Schema, validation.Schema);

        string work = Path.Combine(Path.GetTempPath(), $"peft-search-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var runner = new TrialRunner(_task, train, validation, metric, ExperimentSeed, work);
            var tuner = CreateTuner();
            var estimate = TimeFirstSteps(runner, train, tuner);
            CheckBudget(estimate, clock.Elapsed);
            int maxTrials = _options.MaxTrials ?? tuner.PlannedTrials;
            var run = new SearchRun(runner, tuner, maxTrials, _options.MaxExperimentTime, clock, estimate, _options.Progress, _options.CancellationToken);
            try
            {
                var stop = _options.Strategy == PeftSearchStrategy.DyLora
                    ? new DyLoraRankSearch(runner, run, (DyLoraTuner)tuner).Run(() => _options.MaxExperimentTime - clock.Elapsed, estimate, _options.CancellationToken)
                    : run.Run();
                if (run.Best is not { } best)
                {
                    _options.CancellationToken.ThrowIfCancellationRequested();
                    if (run.Trials.FirstOrDefault(t => t.Status == PeftTrialStatus.Failed) is { } failed)
                    {
                        throw new InvalidOperationException($"Every trial of the search failed; the first ({failed}) with: {failed.Error}");
                    }

                    throw new InvalidOperationException(
                        $"The search ended ({stop}) before any trial was measured; raise `{nameof(PeftExperimentOptions)}.{nameof(PeftExperimentOptions.MaxExperimentTime)}` (one trial takes {estimate.Describe(1)}).");
                }

                ITransformer model = run.TakeBestModel()!;
                if (prepared is not null)
                {
                    model = new TransformerChain<ITransformer>(Flatten(prepared).Append(model).ToArray());
                }

                return new PeftExperimentResult(run.Trials.ToArray(), best, model, metric, _options.Strategy, stop, clock.Elapsed);
            }
            catch
            {
                run.DisposeBestModel();
                throw;
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Drawn once, so the split, the tuner and every trial share it.
    private int ExperimentSeed => _seed ??= _options.Seed ?? ((IHostEnvironment)_context).Register(nameof(PeftExperiment)).Rand.Next();

    private void CheckOptions()
    {
        ArgumentNullException.ThrowIfNull(_options.SearchSpace, $"{nameof(PeftExperimentOptions)}.{nameof(PeftExperimentOptions.SearchSpace)}");
        _options.SearchSpace.Validate();
        Require(Enum.IsDefined(_options.Strategy), nameof(PeftExperimentOptions.Strategy), _options.Strategy, $"must be one of {string.Join(", ", Enum.GetNames<PeftSearchStrategy>())}");
        Require(_options.MaxExperimentTime > TimeSpan.Zero, nameof(PeftExperimentOptions.MaxExperimentTime), _options.MaxExperimentTime, "must be positive");
        Require(_options.MaxTrials is null or >= 1, nameof(PeftExperimentOptions.MaxTrials), _options.MaxTrials, "must be at least 1, or null for the grid's size");
        Require(_options.ReductionFactor >= 2, nameof(PeftExperimentOptions.ReductionFactor), _options.ReductionFactor, "must be at least 2");
        Require(_options.Rungs >= 1, nameof(PeftExperimentOptions.Rungs), _options.Rungs, "must be at least 1");
        Require(_options.ValidationFraction is > 0 and < 1, nameof(PeftExperimentOptions.ValidationFraction), _options.ValidationFraction, "must be within (0, 1)");
        Require(_task.Options.Backbone is not null, "Backbone", null, $"must be set on the {_task.Name} options the experiment was created with");
    }

    private PeftSearchMetric CheckMetric(DataViewSchema schema)
    {
        var metric = _options.Metric ?? _task.DefaultMetric;
        var offered = _task.MetricsFor(schema);
        if (!offered.Contains(metric))
        {
            throw new ArgumentException(
                $"{_task.Name} does not produce the metric {metric} for this data; `{nameof(PeftExperimentOptions)}.{nameof(PeftExperimentOptions.Metric)}` may be {string.Join(", ", offered)}.",
                nameof(PeftExperimentOptions.Metric));
        }

        return metric;
    }

    // The task's estimator checks the column types itself when the first steps are timed, before any trial.
    private void CheckColumns(DataViewSchema train, DataViewSchema validation)
    {
        foreach (string name in _task.InputColumns)
        {
            if (train.GetColumnOrNull(name) is not { } trainColumn)
            {
                throw new ArgumentOutOfRangeException(
                    "trainData", $"The training data has no column '{name}', which the {_task.Name.ToLowerInvariant()} options name; add it or change the options' column name.");
            }

            if (validation.GetColumnOrNull(name) is not { } column)
            {
                throw new ArgumentException(
                    $"The validation set has no column '{name}', which the training data has; give it the training data's columns, or leave it out to hold out part of the training data.",
                    "validationData");
            }

            if (!column.Type.Equals(trainColumn.Type))
            {
                throw new ArgumentException(
                    $"Column '{name}' is {column.Type} in the validation set but {trainColumn.Type} in the training data; give both sets the same schema.",
                    "validationData");
            }
        }
    }

    private ITrialTuner CreateTuner()
    {
        var space = _options.SearchSpace;
        return _options.Strategy switch
        {
            PeftSearchStrategy.Grid => new GridTuner(space),
            PeftSearchStrategy.Random => new RandomTuner(space, ExperimentSeed, SearchPoints.Grid(space).Count),
            PeftSearchStrategy.SuccessiveHalving => new SuccessiveHalvingTuner(space, ExperimentSeed, _options.ReductionFactor, _options.Rungs),
            _ => new DyLoraTuner(space),
        };
    }

    // Fits the first trial's settings for two steps and evaluates the result, so the search knows what a trial costs here.
    private TrialTimeEstimate TimeFirstSteps(TrialRunner runner, IDataView train, ITrialTuner tuner)
    {
        long rows = train.GetRowCount() ?? CountRows(train);
        int totalSteps = checked((int)Math.Ceiling(rows / (double)_task.Options.BatchSize) * _task.Options.Epochs);
        var point = tuner is DyLoraTuner dyLora ? dyLora.Runs[0] : SearchPoints.Grid(_options.SearchSpace)[0];
        var probe = new TrialRequest(0, point, Math.Min(1, 2.0 / Math.Max(1, totalSteps)), 0, IsNew: false);
        var timer = Stopwatch.StartNew();
        var options = runner.TrialOptions(probe, point.BuildMethod(), merge: true, _options.CancellationToken);
        options.CheckpointDirectory = null;
        using var model = _task.CreateEstimator(runner.Context(probe), options).Fit(train);
        var fit = timer.Elapsed;
        var info = _task.TrainingInfo(model);
        timer.Restart();
        _ = runner.Evaluate(probe, model);
        var evaluation = timer.Elapsed;
        var step = info.Steps > 0 ? info.Elapsed / info.Steps : fit;
        var setup = fit - info.Elapsed > TimeSpan.Zero ? fit - info.Elapsed : TimeSpan.Zero;
        return new TrialTimeEstimate(setup, step, evaluation, totalSteps);
    }

    private void CheckBudget(TrialTimeEstimate estimate, TimeSpan spent)
    {
        double smallest = _options.Strategy == PeftSearchStrategy.SuccessiveHalving ? Math.Pow(_options.ReductionFactor, 1 - _options.Rungs) : 1;
        var needed = spent + estimate.Predict(smallest);
        if (_options.MaxExperimentTime < needed)
        {
            throw new ArgumentException(
                $"`{nameof(PeftExperimentOptions)}.{nameof(PeftExperimentOptions.MaxExperimentTime)}` ({_options.MaxExperimentTime:g}) is too small for one trial: one takes {estimate.Describe(smallest)}, after {spent.TotalSeconds:F0} s of checks and timing. Give at least {Math.Ceiling(needed.TotalSeconds):F0} s, and several times that for a search.",
                nameof(PeftExperimentOptions.MaxExperimentTime));
        }
    }

    private static long CountRows(IDataView data)
    {
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        long count = 0;
        while (cursor.MoveNext())
        {
            count++;
        }

        return count;
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is TransformerChain<ITransformer> chain ? chain : new[] { transformer };

    private static void Require(bool valid, string name, object? value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"`{nameof(PeftExperimentOptions)}.{name}` {rule}, got {value ?? "null"}."), name);
        }
    }
}
