// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Derives the seed of every random stream of a run from the run's seed and the position in it, so any position
/// can be reproduced without carrying generator state: a resumed run reseeds and continues bit for bit.
/// </summary>
/// <remarks>
/// This is also why checkpoints store no generator state: TorchSharp exposes the CPU generator's state but not the
/// CUDA one's, while reseeding covers both.
/// </remarks>
internal static class TrainingSeeds
{
    private const ulong EpochStream = 1;
    private const ulong StepStream = 2;

    /// <summary>Gets the seed of the <see cref="Random"/> that orders epoch <paramref name="epoch"/>'s batches.</summary>
    internal static int ForEpoch(int seed, int epoch) => (int)(Mix(seed, EpochStream, epoch) >> 33);

    /// <summary>Gets the TorchSharp generator seed for optimizer step <paramref name="step"/> (dropout and any other sampling).</summary>
    internal static long ForStep(int seed, int step) => (long)(Mix(seed, StepStream, step) >> 1);

    // SplitMix64's finalizer over the three inputs: neighbouring seeds and steps give unrelated outputs.
    private static ulong Mix(int seed, ulong stream, int position)
    {
        ulong z = unchecked(((ulong)(uint)seed << 32) ^ (stream << 60) ^ (uint)position);
        z = unchecked(z + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
