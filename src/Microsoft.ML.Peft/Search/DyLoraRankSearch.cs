// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// DyLoRA as the fast path of a rank search: each run trains once at the largest rank, then every rank of the space is
/// measured on the validation set with no retraining (<see cref="DyLoraModelExtensions.EvaluateDyLoraRanks"/>'s mechanism,
/// restricted to the space's ranks), and the model keeps the best rank. Each rank is a leaderboard row; its trainable count is
/// what a rank-b adapter of the same targets holds (the factors scale linearly with the rank) plus the head, and its time is the
/// run's training plus its own evaluation.
/// </summary>
internal sealed class DyLoraRankSearch
{
    private readonly TrialRunner _runner;
    private readonly SearchRun _run;
    private readonly DyLoraTuner _tuner;

    internal DyLoraRankSearch(TrialRunner runner, SearchRun run, DyLoraTuner tuner)
    {
        _runner = runner;
        _run = run;
        _tuner = tuner;
    }

    internal PeftExperimentStop Run(Func<TimeSpan> remaining, TrialTimeEstimate estimate, CancellationToken cancellation)
    {
        int rowId = 0;
        for (var request = _tuner.Next(true); request is not null; request = _tuner.Next(true))
        {
            if (cancellation.IsCancellationRequested)
            {
                return PeftExperimentStop.Cancelled;
            }

            var left = remaining();
            if (left <= estimate.For(request))
            {
                return PeftExperimentStop.TimeBudget;
            }

            _run.CountStarted();
            var metrics = new SortedDictionary<int, (double Metric, TimeSpan Time)>();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(left);
            TrialOutcome outcome;
            try
            {
                outcome = _runner.Run(request, request.Point.BuildMethod(), merge: false, deadline.Token, model => EvaluateRanks(request, model, metrics));
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return cancellation.IsCancellationRequested ? PeftExperimentStop.Cancelled : PeftExperimentStop.TimeBudget;
            }

            var evaluations = TimeSpan.FromTicks(metrics.Values.Sum(m => m.Time.Ticks));
            var training = outcome.Duration - evaluations;
            int maxRank = request.Point.Rank!.Value;
            long head = HeadParameters(outcome.Model);
            int bestRank = metrics.MaxBy(m => m.Value.Metric).Key;
            foreach (var (rank, (metric, time)) in metrics)
            {
                var row = new TrialRequest(++rowId, request.Point with { Rank = rank }, 1, 0, IsNew: true);
                var rowOutcome = outcome with
                {
                    Metric = metric,
                    TrainableParameters = head + ((outcome.TrainableParameters - head) * rank / maxRank),
                    Duration = training + time,
                };
                _run.Record(row, _run.Trial(row), rowOutcome, keepModel: rank == bestRank);
            }
        }

        return PeftExperimentStop.SpaceExhausted;
    }

    private double EvaluateRanks(TrialRequest request, PeftTaskTransformer model, SortedDictionary<int, (double, TimeSpan)> metrics)
    {
        foreach (int rank in _tuner.Ranks)
        {
            var timer = System.Diagnostics.Stopwatch.StartNew();
            model.AdapterModel.SetDyLoraRank(rank);
            metrics[rank] = (_runner.Evaluate(request, model), timer.Elapsed);
        }

        var best = metrics.MaxBy(m => m.Value.Item1).Key;
        model.AdapterModel.SetDyLoraRank(best);
        return metrics[best].Item1;
    }

    // The trainable values outside the DyLoRA factors: the head and whatever else is in modules_to_save.
    private static long HeadParameters(PeftTaskTransformer model) =>
        model.AdapterModel.NamedTrainableParameters().Where(p => !p.Name.Contains("dylora_", StringComparison.Ordinal)).Sum(p => p.Parameter.numel());
}
