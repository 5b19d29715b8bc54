// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Cuts the examples a model predicts or evaluates into batches, the same way for every task.</summary>
internal static class BatchInference
{
    /// <summary>
    /// Batches of texts a scoring view reads ahead and sorts together. Rows come in data order, and one batch of them pads to
    /// its longest (often the model's limit); sorted over eight batches, each batch pads to rows of about its own length. The
    /// window holds only texts and their scores, so it costs little memory.
    /// </summary>
    internal const int LengthSortedBatches = 8;

    /// <summary>The rows a scoring view reads ahead for inputs of varying length: <see cref="LengthSortedBatches"/> batches.</summary>
    internal static int ReadAheadRows(int batchSize) => (int)Math.Min(int.MaxValue, (long)batchSize * LengthSortedBatches);

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
