// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods;

/// <summary>
/// What VeRA and RandLoRA share about their frozen random projections: one set per adapter, sized from the largest
/// targeted layer and drawn from a CPU generator seeded with <c>projection_prng_key</c>, as PEFT does.
/// </summary>
internal static class RandomProjections
{
    /// <summary>
    /// libtorch's CPU generator (the one PyTorch's <c>torch.Generator("cpu")</c> wraps) seeded as
    /// <c>manual_seed(key)</c>; a negative key is taken modulo 2^64, as PyTorch's <c>Generator.manual_seed</c> does.
    /// </summary>
    internal static Generator CreateGenerator(long key) => new(unchecked((ulong)key), CPU);

    /// <summary>PEFT's <c>_find_dim</c>: the element-wise maximum of (d_out, d_in) over the targeted linear layers.</summary>
    internal static (long Out, long In) LargestShape(IReadOnlyList<(string Path, nn.Module Module)> targets)
    {
        long maxOut = 0;
        long maxIn = 0;
        foreach (var (_, module) in targets)
        {
            var linear = (Linear)module;
            maxOut = Math.Max(maxOut, linear.out_features);
            maxIn = Math.Max(maxIn, linear.in_features);
        }

        return (maxOut, maxIn);
    }

    /// <summary>The device and dtype of the first target's weight: PEFT moves the shared projections to the adapted layers'.</summary>
    internal static (Device Device, ScalarType Type) Placement(IReadOnlyList<(string Path, nn.Module Module)> targets)
    {
        var weight = ((Linear)targets[0].Module).weight;
        return (weight.device, weight.dtype);
    }

    /// <summary>
    /// PEFT's rule for adapters of one model: one PRNG key, and the projections saved for all or for none.
    /// </summary>
    /// <exception cref="ArgumentException">The new configuration differs from an existing adapter's.</exception>
    internal static void CheckAgainstOtherAdapters(
        string methodName, long key, bool saveProjection, IEnumerable<(long Key, bool SaveProjection)> others, string configParameter)
    {
        foreach (var (otherKey, otherSave) in others)
        {
            if (otherKey != key)
            {
                throw new ArgumentException(
                    $"{methodName} PRNG initialisation key must be the same for all adapters of a model: `ProjectionPrngKey` is {key}, "
                    + $"but an existing adapter uses {otherKey}. Set `ProjectionPrngKey = {otherKey}`.",
                    configParameter);
            }

            if (otherSave != saveProjection)
            {
                throw new ArgumentException(
                    $"{methodName} projections must be saved for all adapters of a model or for none: `SaveProjection` is {saveProjection}, "
                    + $"but an existing adapter uses {otherSave}. Set `SaveProjection = {otherSave}`.",
                    configParameter);
            }
        }
    }

    /// <summary>PyTorch's <c>uniform_(-bound, bound, generator)</c> on a new CPU tensor of <paramref name="shape"/>.</summary>
    internal static Tensor Uniform(long[] shape, double bound, Generator generator, ScalarType type = ScalarType.Float32) =>
        empty(shape, type, CPU).uniform_(-bound, bound, generator);
}
