// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The training objective on a validation set, batch by batch as <see cref="BatchInference"/> cuts it: each batch returns the
/// sum of its example losses and how many it counted (rows, or labelled tokens for a tagger), so the result is the mean over
/// all of them whatever the batch sizes, the same quantity the training loss is a mean of.
/// </summary>
internal static class ValidationLoss
{
    /// <summary>Runs <paramref name="batchLoss"/> over every batch, each in its own dispose scope, and returns the mean loss.</summary>
    /// <param name="lengths">Each example's length, for batching.</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="batchLoss">The summed loss (a scalar tensor) and the number of terms in it for the examples at the given indices.</param>
    /// <returns>The mean loss; NaN when nothing was counted.</returns>
    internal static double Mean(IReadOnlyList<int> lengths, int batchSize, Func<int[], (Tensor Sum, long Count)> batchLoss)
    {
        double total = 0;
        long count = 0;
        BatchInference.ForEachBatch(lengths, batchSize, indices =>
        {
            using var scope = NewDisposeScope();
            var (sum, terms) = batchLoss(indices);
            total += sum.to_type(ScalarType.Float64).item<double>();
            count += terms;
        });
        return count == 0 ? double.NaN : total / count;
    }
}
