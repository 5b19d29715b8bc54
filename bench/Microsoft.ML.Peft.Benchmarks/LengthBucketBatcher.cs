// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// A minimal length-bucketed batcher, standing in for the training engine's (not merged yet): shuffle the rows, cut them
/// into buckets of <c>batchesPerBucket</c> batches, sort each bucket by length, cut it into batches, and shuffle the order of
/// the batches. Rows in a batch then have similar lengths and can be padded to the longest of them (dynamic padding),
/// while every epoch still sees the rows in a random mix.
/// </summary>
internal static class LengthBucketBatcher
{
    /// <returns>Row indexes of each batch; the last batch may be smaller.</returns>
    internal static List<int[]> Batches(IReadOnlyList<int> lengths, int batchSize, int batchesPerBucket, int seed)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        random.Shuffle(order);
        var batches = new List<int[]>();
        foreach (var bucket in order.Chunk(batchSize * batchesPerBucket))
        {
            batches.AddRange(bucket.OrderBy(i => lengths[i]).Chunk(batchSize));
        }

        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled.ToList();
    }
}
