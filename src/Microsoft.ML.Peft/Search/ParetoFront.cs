// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>The trials no other trial beats on both the metric (higher) and the trainable parameters (fewer).</summary>
internal static class ParetoFront
{
    /// <summary>The front, fewest parameters first; trials without a metric are left out.</summary>
    internal static IReadOnlyList<PeftTrialResult> Of(IEnumerable<PeftTrialResult> trials)
    {
        var measured = trials.Where(t => !double.IsNaN(t.Metric)).ToList();
        return measured
            .Where(t => !measured.Any(o => Dominates(o, t)))
            .OrderBy(t => t.TrainableParameters)
            .ThenByDescending(t => t.Metric)
            .ToArray();
    }

    private static bool Dominates(PeftTrialResult a, PeftTrialResult b) =>
        a.Metric >= b.Metric && a.TrainableParameters <= b.TrainableParameters
        && (a.Metric > b.Metric || a.TrainableParameters < b.TrainableParameters);
}
