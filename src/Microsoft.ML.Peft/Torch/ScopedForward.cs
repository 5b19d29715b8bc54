// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Torch;

/// <summary>
/// Runs part of a forward pass in a dispose scope of its own, so that its intermediate tensors are freed as soon as it
/// returns instead of when the caller's scope (one training or inference step) ends. A step's scope otherwise holds every
/// temporary of every layer at once: for a 64 × 128 batch through six BERT layers that is about 2.5 GB of attention scores
/// and feed-forward activations, most of which the next layer no longer needs. Autograd keeps what backward needs by its own
/// reference, so disposing the handles here frees nothing that training uses.
/// </summary>
internal static class ScopedForward
{
    /// <summary>The tensor <paramref name="forward"/> returns, moved to the caller's scope; its other temporaries disposed.</summary>
    internal static Tensor Run(Func<Tensor> forward)
    {
        using var scope = NewDisposeScope();
        var result = forward();

        // A step that returns a tensor it did not create (its input, say) leaves it where it is: moving it would take it
        // out of the caller's scope.
        if (scope.Contains(result))
        {
            scope.MoveToOuter(result);
        }

        return result;
    }
}
