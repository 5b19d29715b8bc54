// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Cuts the examples a model predicts or evaluates into batches, the same way for every task.</summary>
internal static class BatchInference
{
    /// <summary>
    /// Calls <paramref name="predictBatch"/> with the indices of each batch of <see cref="LengthBucketBatcher.SequentialBatches"/>:
    /// sorted by length, longest first, so each batch pads little and the largest one (any out-of-memory error) comes first.
    /// Nothing is called when there are no examples.
    /// </summary>
    /// <param name="lengths">Each example's length (tokens, patches).</param>
    /// <param name="batchSize">Examples per batch.</param>
    /// <param name="predictBatch">Predicts the examples at the given indices; results are written back by index.</param>
    internal static void ForEachBatch(IReadOnlyList<int> lengths, int batchSize, Action<int[]> predictBatch)
    {
        if (lengths.Count == 0)
        {
            return;
        }

        foreach (int[] batch in new LengthBucketBatcher(lengths, batchSize).SequentialBatches())
        {
            predictBatch(batch);
        }
    }
}
