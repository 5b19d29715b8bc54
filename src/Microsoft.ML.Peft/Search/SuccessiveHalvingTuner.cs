// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// Asynchronous successive halving (ASHA; Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020) with one
/// worker. Rung k trains η<sup>k − (K − 1)</sup> of the schedule. Whenever a trial is among the best ⌊n / η⌋ of the n measured
/// at its rung and was not continued yet, it continues to the next rung (the highest rung first); otherwise a new trial starts
/// at rung 0. New trials are the grid's points in a seeded random order, so with the grid's trial budget the tuner sees exactly
/// the grid's points and spends most of the time on the best.
/// </summary>
internal sealed class SuccessiveHalvingTuner : ITrialTuner
{
    private readonly IReadOnlyList<SearchPoint> _points;
    private readonly int _reduction;
    private readonly double[] _fractions;
    private readonly List<(TrialRequest Request, double Metric)>[] _rungs;
    private readonly HashSet<int>[] _continued;
    private int _next;

    internal SuccessiveHalvingTuner(PeftSearchSpace space, int seed, int reductionFactor, int rungs)
    {
        var points = SearchPoints.Grid(space).ToArray();
        new Random(seed).Shuffle(points);
        _points = points;
        _reduction = reductionFactor;
        _fractions = Enumerable.Range(0, rungs).Select(k => Math.Pow(reductionFactor, k - (rungs - 1))).ToArray();
        _rungs = Enumerable.Range(0, rungs).Select(_ => new List<(TrialRequest, double)>()).ToArray();
        _continued = Enumerable.Range(0, rungs).Select(_ => new HashSet<int>()).ToArray();
    }

    public int PlannedTrials => _points.Count;

    /// <summary>The share of the schedule each rung trains, first rung first.</summary>
    internal IReadOnlyList<double> Fractions => _fractions;

    public TrialRequest? Next(bool mayStartNew)
    {
        for (int rung = _rungs.Length - 2; rung >= 0; rung--)
        {
            int best = _rungs[rung].Count / _reduction;
            foreach (var (request, _) in _rungs[rung]
                .Where(r => !double.IsNaN(r.Metric))
                .OrderByDescending(r => r.Metric)
                .ThenBy(r => r.Request.TrialId)
                .Take(best))
            {
                if (_continued[rung].Add(request.TrialId))
                {
                    return request with { ScheduleFraction = _fractions[rung + 1], Rung = rung + 1, IsNew = false };
                }
            }
        }

        if (mayStartNew && _next < _points.Count)
        {
            var point = _points[_next++];
            return new TrialRequest(_next, point, _fractions[0], 0, IsNew: true);
        }

        return null;
    }

    public void Report(TrialRequest request, double metric) => _rungs[request.Rung].Add((request, metric));
}
