// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;

namespace Microsoft.ML.Peft;

/// <summary>
/// What a rank search found: every trial (the leaderboard, best first), the best trial and its fitted model, and the Pareto
/// front of the metric against the trainable parameters.
/// </summary>
public sealed class PeftExperimentResult
{
    internal PeftExperimentResult(
        IReadOnlyList<PeftTrialResult> trials, PeftTrialResult bestTrial, ITransformer bestModel, PeftSearchMetric metric,
        PeftSearchStrategy strategy, PeftExperimentStop stoppedBy, TimeSpan elapsed)
    {
        Leaderboard = trials
            .OrderBy(t => double.IsNaN(t.Metric) ? 1 : 0)
            .ThenByDescending(t => t.Status == PeftTrialStatus.Completed)
            .ThenByDescending(t => t.Metric)
            .ThenBy(t => t.TrialId)
            .ToArray();
        BestTrial = bestTrial;
        BestModel = bestModel;
        Metric = metric;
        Strategy = strategy;
        StoppedBy = stoppedBy;
        Elapsed = elapsed;
        ParetoFront = Search.ParetoFront.Of(trials);
    }

    /// <summary>
    /// Gets every trial: those that trained their whole schedule first, then those successive halving paused, then those the
    /// budget cancelled or that failed; each group by the metric, best first.
    /// </summary>
    public IReadOnlyList<PeftTrialResult> Leaderboard { get; }

    /// <summary>
    /// Gets the best of the trials that trained the most of their schedule: of those that trained all of it, unless the time
    /// budget stopped successive halving before its last rung.
    /// </summary>
    public PeftTrialResult BestTrial { get; }

    /// <summary>
    /// Gets the best trial's fitted model, the pre-featurizer's transformers first when one was given: a pipeline that
    /// <c>mlContext.Peft().Model.Save</c> writes. The caller owns it and disposes it.
    /// </summary>
    public ITransformer BestModel { get; }

    /// <summary>Gets the trials that no other trial beats on both the metric and the trainable parameters, fewest parameters first.</summary>
    public IReadOnlyList<PeftTrialResult> ParetoFront { get; }

    /// <summary>Gets the metric the search maximized.</summary>
    public PeftSearchMetric Metric { get; }

    /// <summary>Gets the strategy that chose the trials.</summary>
    public PeftSearchStrategy Strategy { get; }

    /// <summary>Gets why the search ended.</summary>
    public PeftExperimentStop StoppedBy { get; }

    /// <summary>Gets the time the search took, the timing of the first steps included.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The leaderboard as a Markdown table: trial, method, rank, alpha, learning rate, metric, parameters, adapter size, time.</summary>
    public string FormatLeaderboard()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| trial | method | rank | alpha | lr | dropout | targets | schedule | {Metric} | trainable | adapter | time | peak memory |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var t in Leaderboard)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {t.TrialId} | {t.MethodName} | {Optional(t.Rank)} | {Optional(t.Alpha)} | {t.LearningRate:G3} | {Optional(t.Dropout)} | {(t.TargetModules is null ? "default" : string.Join(", ", t.TargetModules))} | {t.ScheduleFraction:P0} | {(double.IsNaN(t.Metric) ? "–" : t.Metric.ToString("F4", CultureInfo.InvariantCulture))} | {t.TrainableParameters:N0} | {t.AdapterBytes / 1024.0:F0} KB | {t.Duration.TotalSeconds:F1} s | {(t.PeakMemoryBytes is long peak ? $"{peak / (1024.0 * 1024 * 1024):F2} GiB" : "–")} |");
        }

        return text.ToString();
    }

    private static string Optional<T>(T? value) where T : struct, IFormattable =>
        value is T v ? v.ToString(null, CultureInfo.InvariantCulture) : "–";
}
