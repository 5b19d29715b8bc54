// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>Device moves of long-lived tensors that are not module parameters (cached norms, stored copies).</summary>
internal static class StoredTensors
{
    /// <summary>Moves every value to <paramref name="device"/>; when a copy is made the original is disposed.</summary>
    internal static void MoveAll<TKey>(Dictionary<TKey, Tensor> values, Device device)
        where TKey : notnull
    {
        foreach (var key in values.Keys.ToList())
        {
            values[key] = MoveTo(values[key], device);
        }
    }

    /// <summary>The tensor on <paramref name="device"/>, detached from any dispose scope; the original is disposed when copied.</summary>
    internal static Tensor MoveTo(Tensor tensor, Device device)
    {
        var moved = tensor.to(device).DetachFromDisposeScope();
        if (!ReferenceEquals(moved, tensor))
        {
            tensor.Dispose();
        }

        return moved;
    }
}
