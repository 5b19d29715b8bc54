// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>Snapshots and comparisons of module state for tests.</summary>
internal static class ModelState
{
    /// <summary>Detached clones of every tensor of the module's state dict, owned by the caller (not by any scope).</summary>
    internal static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var scope = NewDisposeScope();
        return module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    internal static void Restore(nn.Module module, Dictionary<string, Tensor> state)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var current = module.state_dict();
        foreach (var (name, value) in state)
        {
            current[name].copy_(value);
        }
    }

    internal static void Dispose(Dictionary<string, Tensor> state)
    {
        foreach (var tensor in state.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>True when both tensors have the same shape and every element is equal (bit-identical for finite values).</summary>
    internal static bool Identical(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
    }

    internal static double MaxAbsDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a - b).abs().max().item<float>();
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance, string because)
    {
        Assert.Equal(expected.shape, actual.shape);
        double difference = MaxAbsDifference(expected, actual);
        Assert.True(difference <= tolerance, $"{because}: max |difference| {difference:G4} exceeds {tolerance:G4}.");
    }
}
