// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// DyLoRA's runs: one per learning rate, alpha ratio, dropout and target set of the grid, each at the space's largest rank; the
/// ranks themselves are evaluated after training (<see cref="DyLoraRankSearch"/>). The space's DyLoRA configuration is the
/// template when it has one, else DyLoRA's defaults.
/// </summary>
internal sealed class DyLoraTuner : ITrialTuner
{
    private int _next;

    internal DyLoraTuner(PeftSearchSpace space)
    {
        var template = space.Methods.OfType<DyLoraConfig>().FirstOrDefault() ?? new DyLoraConfig();
        int maxRank = space.Ranks.Max();
        var runs = new List<SearchPoint>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var targets in space.TargetModuleSets)
        {
            foreach (double dropout in space.Dropouts)
            {
                foreach (double ratio in space.AlphaRankRatios)
                {
                    foreach (double rate in space.GridLearningRates())
                    {
                        var point = SearchPoint.Create(0, template, maxRank, ratio, dropout, targets, rate);
                        if (seen.Add(point.Key))
                        {
                            runs.Add(point);
                        }
                    }
                }
            }
        }

        Runs = runs;
        Ranks = space.Ranks.Distinct().Order().ToArray();
    }

    /// <summary>The training runs, in order.</summary>
    internal IReadOnlyList<SearchPoint> Runs { get; }

    /// <summary>The ranks evaluated after each run, lowest first.</summary>
    internal IReadOnlyList<int> Ranks { get; }

    public int PlannedTrials => Runs.Count;

    public TrialRequest? Next(bool mayStartNew) =>
        mayStartNew && _next < Runs.Count ? new TrialRequest(_next + 1, Runs[_next++], 1, 0, IsNew: true) : null;

    public void Report(TrialRequest request, double metric)
    {
        // The runs do not depend on results.
    }
}
