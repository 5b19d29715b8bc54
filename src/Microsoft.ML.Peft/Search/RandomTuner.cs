// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>Seeded draws from the space (<see cref="SearchPoints.Draw"/>), each for the whole schedule, none twice.</summary>
internal sealed class RandomTuner : ITrialTuner
{
    // Draws that repeat an earlier point are redrawn; after this many in a row the space is taken as exhausted.
    private const int MaxRedraws = 100;

    private readonly PeftSearchSpace _space;
    private readonly Random _random;
    private readonly HashSet<string> _drawn = new(StringComparer.Ordinal);

    internal RandomTuner(PeftSearchSpace space, int seed, int plannedTrials)
    {
        _space = space;
        _random = new Random(seed);
        PlannedTrials = plannedTrials;
    }

    public int PlannedTrials { get; }

    public TrialRequest? Next(bool mayStartNew)
    {
        if (!mayStartNew)
        {
            return null;
        }

        for (int attempt = 0; attempt < MaxRedraws; attempt++)
        {
            var point = SearchPoints.Draw(_space, _random);
            if (_drawn.Add(point.Key))
            {
                return new TrialRequest(_drawn.Count, point, 1, 0, IsNew: true);
            }
        }

        return null;
    }

    public void Report(TrialRequest request, double metric)
    {
        // Random search does not learn from results.
    }
}
