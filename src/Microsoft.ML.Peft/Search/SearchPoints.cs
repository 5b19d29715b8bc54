// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>The points of a search space: the whole grid, or draws from it.</summary>
internal static class SearchPoints
{
    /// <summary>Every combination, without points that train the same thing, methods outermost and learning rates innermost.</summary>
    internal static IReadOnlyList<SearchPoint> Grid(PeftSearchSpace space)
    {
        var rates = space.GridLearningRates();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var points = new List<SearchPoint>();
        for (int m = 0; m < space.Methods.Count; m++)
        {
            foreach (var targets in space.TargetModuleSets)
            {
                foreach (double dropout in space.Dropouts)
                {
                    foreach (double ratio in space.AlphaRankRatios)
                    {
                        foreach (int rank in space.Ranks)
                        {
                            foreach (double rate in rates)
                            {
                                var point = SearchPoint.Create(m, space.Methods[m], rank, ratio, dropout, targets, rate);
                                if (seen.Add(point.Key))
                                {
                                    points.Add(point);
                                }
                            }
                        }
                    }
                }
            }
        }

        return points;
    }

    /// <summary>One draw: each discrete setting uniformly, the learning rate log-uniformly within the space's range.</summary>
    internal static SearchPoint Draw(PeftSearchSpace space, Random random)
    {
        int m = random.Next(space.Methods.Count);
        double logMin = Math.Log(space.MinLearningRate), logMax = Math.Log(space.MaxLearningRate);
        return SearchPoint.Create(
            m,
            space.Methods[m],
            space.Ranks[random.Next(space.Ranks.Count)],
            space.AlphaRankRatios[random.Next(space.AlphaRankRatios.Count)],
            space.Dropouts[random.Next(space.Dropouts.Count)],
            space.TargetModuleSets[random.Next(space.TargetModuleSets.Count)],
            Math.Exp(logMin + (random.NextDouble() * (logMax - logMin))));
    }
}
