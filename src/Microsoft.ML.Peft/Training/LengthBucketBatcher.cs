// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Splits examples into batches: grouped by length for training (less padding, so less wasted compute), random
/// for comparison, or sorted and sequential for inference.
/// </summary>
/// <remarks>
/// Works on example lengths only (tokens, patches, ...); the caller builds and pads the batch tensors and asks
/// <see cref="PadLength"/> how far to pad. Every epoch visits every example exactly once; the last batch of an
/// epoch may be smaller than the batch size.
/// </remarks>
internal sealed class LengthBucketBatcher
{
    /// <summary>Batches per sorting pool: large enough to group lengths well, small enough to keep batches random.</summary>
    internal const int BatchesPerPool = 50;

    private readonly int[] _lengths;
    private readonly int _batchSize;

    /// <summary>Creates a batcher over examples with the given lengths.</summary>
    /// <exception cref="ArgumentException">There are no examples, or a length is negative.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    internal LengthBucketBatcher(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (lengths.Count == 0)
        {
            throw new ArgumentException("There are no training examples; the training data must have at least one row.", nameof(lengths));
        }

        _lengths = lengths.ToArray();
        int negative = Array.FindIndex(_lengths, length => length < 0);
        if (negative >= 0)
        {
            throw new ArgumentException($"Example {negative} has length {_lengths[negative]}; lengths must be non-negative.", nameof(lengths));
        }

        _batchSize = batchSize;
        MaxLength = _lengths.Max();
    }

    /// <summary>Gets the number of examples.</summary>
    internal int Count => _lengths.Length;

    /// <summary>Gets the longest example's length, the padding target of <see cref="PaddingMode.PadToMax"/>.</summary>
    internal int MaxLength { get; }

    /// <summary>Gets the number of batches of one epoch, the same in every mode.</summary>
    internal int BatchesPerEpoch => (Count + _batchSize - 1) / _batchSize;

    /// <summary>Builds one epoch's batches of example indices.</summary>
    /// <param name="random">The epoch's generator; the same seed gives the same batches.</param>
    /// <param name="mode">Length-bucketed, or random batches for the two padding modes without grouping.</param>
    /// <returns><see cref="BatchesPerEpoch"/> batches that together hold each index exactly once.</returns>
    internal int[][] EpochBatches(Random random, PaddingMode mode)
    {
        ArgumentNullException.ThrowIfNull(random);
        int[] order = Enumerable.Range(0, Count).ToArray();
        random.Shuffle(order);
        if (mode != PaddingMode.LengthBucketed)
        {
            return order.Chunk(_batchSize).ToArray();
        }

        // Sorting whole pools keeps lengths in a batch close; shuffling the batches afterwards stops the model from
        // seeing a long-to-short (or short-to-long) curriculum within each pool.
        int poolSize = BatchesPerPool * _batchSize;
        var batches = order.Chunk(poolSize)
            .SelectMany(pool => pool.OrderBy(i => _lengths[i]).Chunk(_batchSize))
            .ToArray();
        random.Shuffle(batches);
        return batches;
    }

    /// <summary>Builds deterministic inference batches: indices sorted by length, longest first, cut in order.</summary>
    /// <remarks>
    /// Longest first makes the largest batch, and so any out-of-memory error, come at once rather than at the end.
    /// The indices are the original row positions, so results can be written back in input order.
    /// </remarks>
    internal int[][] SequentialBatches() =>
        Enumerable.Range(0, Count).OrderByDescending(i => _lengths[i]).ThenBy(i => i).Chunk(_batchSize).ToArray();

    /// <summary>Gets the length a batch is padded to: its longest example, or the whole set's for <see cref="PaddingMode.PadToMax"/>.</summary>
    internal int PadLength(IReadOnlyList<int> batch, PaddingMode mode)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return mode == PaddingMode.PadToMax ? MaxLength : batch.Count == 0 ? 0 : batch.Max(i => _lengths[i]);
    }

    /// <summary>Gets the fraction of padded positions over a set of batches: 0 when no batch needs padding.</summary>
    internal double PaddingWaste(IEnumerable<int[]> batches, PaddingMode mode)
    {
        ArgumentNullException.ThrowIfNull(batches);
        long padded = 0;
        long real = 0;
        foreach (int[] batch in batches)
        {
            padded += (long)PadLength(batch, mode) * batch.Length;
            real += batch.Sum(i => (long)_lengths[i]);
        }

        return padded == 0 ? 0 : (double)(padded - real) / padded;
    }
}
