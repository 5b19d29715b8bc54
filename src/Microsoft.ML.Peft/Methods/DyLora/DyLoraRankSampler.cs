// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.DyLora;

/// <summary>
/// The rank b ∈ {1, …, r_max} of a training step, drawn uniformly as a pure function of (seed, step). Every layer
/// counts its own training forwards, so the n-th training forward of every layer gets the same b without the layers
/// sharing any state, and a run with the same seed sees the same ranks.
/// </summary>
internal static class DyLoraRankSampler
{
    internal static int Sample(int seed, long step, int maxRank)
    {
        ulong bits = SplitMix64(unchecked(((ulong)(uint)seed << 32) ^ (ulong)step));

        // Multiply-shift maps 64 random bits to [0, maxRank) with negligible bias.
        return 1 + (int)(((UInt128)bits * (ulong)maxRank) >> 64);
    }

    // SplitMix64 (Steele, Lea, Flood 2014): a fixed, well-mixed hash, unlike System.Random whose algorithm may change.
    private static ulong SplitMix64(ulong value)
    {
        unchecked
        {
            ulong z = value + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
