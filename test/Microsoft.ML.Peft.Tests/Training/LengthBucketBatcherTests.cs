// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class LengthBucketBatcherTests
{
    // Sentence-like lengths: mostly short, a long tail, as in real text data.
    private static readonly int[] s_lengths = Lengths(2_000, seed: 3);

    [Theory]
    [InlineData(nameof(PaddingMode.LengthBucketed), 16)]
    [InlineData(nameof(PaddingMode.LengthBucketed), 7)]
    [InlineData(nameof(PaddingMode.PadToLongest), 16)]
    [InlineData(nameof(PaddingMode.PadToMax), 33)]
    public void EpochBatches_EveryMode_CoverEachIndexExactlyOnce(string modeName, int batchSize)
    {
        var mode = Enum.Parse<PaddingMode>(modeName);
        var batcher = new LengthBucketBatcher(s_lengths, batchSize);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var batches = batcher.EpochBatches(new Random(epoch), mode);

            Assert.Equal(batcher.BatchesPerEpoch, batches.Length);
            Assert.Equal(Enumerable.Range(0, s_lengths.Length), batches.SelectMany(b => b).Order());
            Assert.True(batches.Count(b => b.Length != batchSize) <= 1, "only one batch may be short");
            Assert.All(batches, b => Assert.InRange(b.Length, 1, batchSize));
        }
    }

    [Fact]
    public void EpochBatches_LengthBucketed_WastesFarLessPaddingThanRandomBatches()
    {
        var batcher = new LengthBucketBatcher(s_lengths, 16);
        double bucketed = batcher.PaddingWaste(batcher.EpochBatches(new Random(1), PaddingMode.LengthBucketed), PaddingMode.LengthBucketed);
        double random = batcher.PaddingWaste(batcher.EpochBatches(new Random(1), PaddingMode.PadToLongest), PaddingMode.PadToLongest);
        double toMax = batcher.PaddingWaste(batcher.EpochBatches(new Random(1), PaddingMode.PadToMax), PaddingMode.PadToMax);

        // About 8% against about 68%: sorting pools of 50 batches leaves neighbours of nearly equal length.
        Assert.True(bucketed < 0.15, $"bucketed batches waste {bucketed:P1} of positions on padding");
        Assert.True(bucketed < random / 5, $"bucketed waste {bucketed:P1} should be far below random batching's {random:P1}");
        Assert.True(random < toMax, $"padding to the batch's longest ({random:P1}) should waste less than padding to the set's longest ({toMax:P1})");
    }

    [Fact]
    public void EpochBatches_LengthBucketed_ShufflesTheBatchOrder()
    {
        var batcher = new LengthBucketBatcher(s_lengths, 16);
        var longest = batcher.EpochBatches(new Random(5), PaddingMode.LengthBucketed).Select(b => batcher.PadLength(b, PaddingMode.LengthBucketed)).ToList();

        Assert.NotEqual(longest.Order(), longest);
        Assert.NotEqual(longest.OrderDescending(), longest);
    }

    [Theory]
    [InlineData(nameof(PaddingMode.LengthBucketed))]
    [InlineData(nameof(PaddingMode.PadToLongest))]
    public void EpochBatches_SameSeedSameOrder_DifferentSeedDifferentOrder(string modeName)
    {
        var mode = Enum.Parse<PaddingMode>(modeName);
        var batcher = new LengthBucketBatcher(s_lengths, 16);
        var first = batcher.EpochBatches(new Random(42), mode);
        var again = batcher.EpochBatches(new Random(42), mode);
        var other = batcher.EpochBatches(new Random(43), mode);

        Assert.Equal(first.SelectMany(b => b), again.SelectMany(b => b));
        Assert.NotEqual(first.SelectMany(b => b), other.SelectMany(b => b));
    }

    [Fact]
    public void SequentialBatches_SortLongestFirstAndKeepOriginalIndices()
    {
        var lengths = new[] { 3, 9, 1, 9, 5 };
        var batcher = new LengthBucketBatcher(lengths, 2);

        var batches = batcher.SequentialBatches();

        Assert.Equal(new[] { new[] { 1, 3 }, new[] { 4, 0 }, new[] { 2 } }, batches);
        Assert.Equal(batches, batcher.SequentialBatches());
    }

    [Fact]
    public void PadLength_PerMode_IsTheBatchOrTheSetLongest()
    {
        var batcher = new LengthBucketBatcher(new[] { 3, 9, 1, 4 }, 2);

        Assert.Equal(4, batcher.PadLength(new[] { 0, 3 }, PaddingMode.LengthBucketed));
        Assert.Equal(4, batcher.PadLength(new[] { 0, 3 }, PaddingMode.PadToLongest));
        Assert.Equal(9, batcher.PadLength(new[] { 0, 3 }, PaddingMode.PadToMax));
        Assert.Equal(0.0, batcher.PaddingWaste(new[] { new[] { 1 }, new[] { 2 } }, PaddingMode.PadToLongest));
    }

    [Fact]
    public void Constructor_NoExamplesOrNegativeLength_ThrowsSayingWhy()
    {
        Assert.Contains("at least one row", Assert.Throws<ArgumentException>(() => new LengthBucketBatcher(Array.Empty<int>(), 4)).Message);
        Assert.Contains("Example 1 has length -2", Assert.Throws<ArgumentException>(() => new LengthBucketBatcher(new[] { 1, -2 }, 4)).Message);
        Assert.Throws<ArgumentOutOfRangeException>("batchSize", () => new LengthBucketBatcher(new[] { 1 }, 0));
    }

    private static int[] Lengths(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => 4 + (int)(-30 * Math.Log(1 - random.NextDouble()))).Select(l => Math.Min(l, 256)).ToArray();
    }
}
