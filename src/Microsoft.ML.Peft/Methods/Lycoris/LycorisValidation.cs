// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.Lycoris;

/// <summary>The range checks LoKr and LoHa share (PEFT's LycorisConfig fields plus r, alpha and the two dropouts).</summary>
internal static class LycorisValidation
{
    internal static void Common(
        int rank,
        double alpha,
        double rankDropout,
        double moduleDropout,
        IReadOnlyDictionary<string, int> rankPattern,
        IReadOnlyDictionary<string, double> alphaPattern)
    {
        if (rank <= 0)
        {
            throw new ArgumentOutOfRangeException("Rank", rank, $"`Rank` must be positive, got {rank}.");
        }

        if (!(alpha > 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException("Alpha", alpha, $"`Alpha` must be a positive finite number, got {alpha}.");
        }

        CheckProbability(rankDropout, "RankDropout");
        CheckProbability(moduleDropout, "ModuleDropout");
        foreach (var (pattern, value) in rankPattern)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException("RankPattern", value, $"`RankPattern` entry '{pattern}' must be positive, got {value}.");
            }
        }

        foreach (var (pattern, value) in alphaPattern)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException("AlphaPattern", value, $"`AlphaPattern` entry '{pattern}' must be a positive finite number, got {value}.");
            }
        }
    }

    private static void CheckProbability(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"`{name}` must be within [0, 1), got {value}.");
        }
    }
}
