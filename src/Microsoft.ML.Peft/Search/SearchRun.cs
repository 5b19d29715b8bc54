// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// One search: asks the tuner for requests, runs them one at a time, keeps the leaderboard and only the best model alive (every
/// other model is disposed as soon as it is evaluated, so trials do not add up in memory), and stops on the tuner, the trial
/// budget, the time budget or cancellation.
/// </summary>
internal sealed class SearchRun
{
    private readonly TrialRunner _runner;
    private readonly ITrialTuner _tuner;
    private readonly int _maxTrials;
    private readonly TimeSpan _budget;
    private readonly Stopwatch _clock;
    private readonly TrialTimeEstimate _estimate;
    private readonly IProgress<PeftTrialProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly Dictionary<int, PeftTrialResult> _trials = new();
    private PeftTaskTransformer? _bestModel;
    private PeftTrialResult? _best;
    private int _started;

    internal SearchRun(
        TrialRunner runner, ITrialTuner tuner, int maxTrials, TimeSpan budget, Stopwatch clock, TrialTimeEstimate estimate,
        IProgress<PeftTrialProgress>? progress, CancellationToken cancellation)
    {
        _runner = runner;
        _tuner = tuner;
        _maxTrials = maxTrials;
        _budget = budget;
        _clock = clock;
        _estimate = estimate;
        _progress = progress;
        _cancellation = cancellation;
    }

    internal IReadOnlyCollection<PeftTrialResult> Trials => _trials.Values;

    internal PeftTrialResult? Best => _best;

    /// <summary>Gives the best model to the caller, who then owns it.</summary>
    internal PeftTaskTransformer? TakeBestModel()
    {
        var model = _bestModel;
        _bestModel = null;
        return model;
    }

    /// <summary>Disposes the best model when the caller did not take it (the search failed).</summary>
    internal void DisposeBestModel() => TakeBestModel()?.Dispose();

    /// <summary>Runs requests until the tuner, a budget or the token ends the search.</summary>
    internal PeftExperimentStop Run()
    {
        while (true)
        {
            if (_cancellation.IsCancellationRequested)
            {
                return PeftExperimentStop.Cancelled;
            }

            var request = _tuner.Next(mayStartNew: _started < _maxTrials);
            if (request is null)
            {
                return _started >= _maxTrials && _started < _tuner.PlannedTrials ? PeftExperimentStop.TrialBudget : PeftExperimentStop.SpaceExhausted;
            }

            var remaining = _budget - _clock.Elapsed;
            if (remaining <= _estimate.For(request))
            {
                return PeftExperimentStop.TimeBudget;
            }

            if (request.IsNew)
            {
                _started++;
            }

            if (!RunOne(request, remaining))
            {
                return _cancellation.IsCancellationRequested ? PeftExperimentStop.Cancelled : PeftExperimentStop.TimeBudget;
            }
        }
    }

    /// <summary>Runs one request; false when the budget or the token stopped it.</summary>
    private bool RunOne(TrialRequest request, TimeSpan remaining)
    {
        var trial = Trial(request);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        deadline.CancelAfter(remaining);
        TrialOutcome outcome;
        try
        {
            outcome = _runner.Run(request, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            if (request.IsNew)
            {
                trial.Status = PeftTrialStatus.Cancelled;
            }

            return false;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // One trial's failure (a loss that diverged at a high learning rate, say) is that trial's result; the settings every
            // trial shares were already fitted once before the search started.
            trial.Status = PeftTrialStatus.Failed;
            trial.Error = ex.Message;
            _tuner.Report(request, double.NaN);
            _progress?.Report(new PeftTrialProgress(trial, _best, _started, Math.Min(_maxTrials, _tuner.PlannedTrials), _clock.Elapsed));
            return true;
        }

        Record(request, trial, outcome);
        return true;
    }

    /// <summary>Enters an outcome on its trial's row, keeps the model when it is the best so far, and reports progress.</summary>
    /// <param name="request">The finished request.</param>
    /// <param name="trial">Its trial's row.</param>
    /// <param name="outcome">What it gave.</param>
    /// <param name="keepModel">
    /// False for a row that shares another row's model (DyLoRA's ranks of one run): the model is neither kept nor disposed here.
    /// </param>
    internal void Record(TrialRequest request, PeftTrialResult trial, TrialOutcome outcome, bool keepModel = true)
    {
        trial.Metric = outcome.Metric;
        trial.RungMetrics = trial.RungMetrics.Append(outcome.Metric).ToArray();
        trial.ScheduleFraction = request.ScheduleFraction;
        trial.Status = request.ScheduleFraction >= 1 ? PeftTrialStatus.Completed : PeftTrialStatus.Paused;
        trial.Steps = outcome.Steps;
        trial.TrainableParameters = outcome.TrainableParameters;
        trial.AdapterBytes = outcome.AdapterBytes;
        trial.Duration += outcome.Duration;
        trial.PeakMemoryBytes = Max(trial.PeakMemoryBytes, outcome.PeakMemoryBytes);
        _tuner.Report(request, outcome.Metric);
        _estimate.Record(request, outcome.Duration);

        // Only the row that owns the model competes (DyLoRA's other ranks share it, and the owner has the run's best metric). The
        // best trial continuing replaces the model of its previous rung.
        if (keepModel)
        {
            bool better = IsBetter(trial, _best);
            if (better || ReferenceEquals(trial, _best))
            {
                _bestModel?.Dispose();
                _bestModel = outcome.Model;
                _best = better ? trial : _best;
            }
            else
            {
                outcome.Model.Dispose();
            }
        }

        _progress?.Report(new PeftTrialProgress(trial, _best, _started, Math.Min(_maxTrials, _tuner.PlannedTrials), _clock.Elapsed));
    }

    /// <summary>Counts a training run that a strategy started outside <see cref="Run"/> (DyLoRA's), for progress.</summary>
    internal void CountStarted() => _started++;

    /// <summary>The row of a request's trial, created at its first request.</summary>
    internal PeftTrialResult Trial(TrialRequest request)
    {
        if (!_trials.TryGetValue(request.TrialId, out var trial))
        {
            var point = request.Point;
            trial = new PeftTrialResult(request.TrialId, point.BuildMethod(), point.LearningRate)
            {
                Rank = point.Rank,
                Alpha = point.Alpha,
                Dropout = point.Dropout,
                TargetModules = point.Targets,
            };
            _trials.Add(request.TrialId, trial);
        }

        return trial;
    }

    // The trial that trained the most of its schedule wins, then the higher metric: successive halving's answer is the best of
    // its last rung, not a trial that looked good after a ninth of its schedule. The best trial continuing stays the best, as its
    // share only grows.
    private static bool IsBetter(PeftTrialResult candidate, PeftTrialResult? best)
    {
        if (best is null)
        {
            return true;
        }

        if (ReferenceEquals(candidate, best))
        {
            return false;
        }

        return candidate.ScheduleFraction != best.ScheduleFraction ? candidate.ScheduleFraction > best.ScheduleFraction : candidate.Metric > best.Metric;
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
