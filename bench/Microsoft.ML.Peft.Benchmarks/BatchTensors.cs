// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>One batch as the classifier takes it: token ids, token type ids, a 1/0 attention mask (batch, time), and labels (batch).</summary>
internal sealed class BatchTensors : IDisposable
{
    private BatchTensors(Tensor ids, Tensor types, Tensor mask, Tensor labels)
    {
        Ids = ids.DetachFromDisposeScope();
        Types = types.DetachFromDisposeScope();
        Mask = mask.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
    }

    internal Tensor Ids { get; }

    internal Tensor Types { get; }

    internal Tensor Mask { get; }

    internal Tensor Labels { get; }

    internal long Rows => Ids.shape[0];

    internal long Time => Ids.shape[1];

    /// <summary>Uniformly random token ids with no padding, and random labels: the fixed-shape input of the training and inference benchmarks.</summary>
    internal static BatchTensors Random(int batch, int time, int vocabularySize, int labelCount, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return new BatchTensors(
            randint(vocabularySize, new long[] { batch, time }, dtype: ScalarType.Int64, generator: generator),
            zeros(batch, time, dtype: ScalarType.Int64),
            ones(batch, time, dtype: ScalarType.Int64),
            randint(labelCount, new long[] { batch }, dtype: ScalarType.Int64, generator: generator));
    }

    /// <summary>Tokenized rows padded with <paramref name="padId"/> to <paramref name="time"/> tokens (at least the longest row).</summary>
    internal static BatchTensors Collate(IReadOnlyList<EncodedText> rows, IReadOnlyList<long> labels, int time, long padId)
    {
        time = Math.Max(time, rows.Max(r => r.Length));
        var ids = new long[rows.Count * time];
        var types = new long[rows.Count * time];
        var mask = new long[rows.Count * time];
        Array.Fill(ids, padId);
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].InputIds.CopyTo(ids, i * time);
            rows[i].TokenTypeIds.CopyTo(types, i * time);
            Array.Fill(mask, 1L, i * time, rows[i].Length);
        }

        long[] shape = { rows.Count, time };
        return new BatchTensors(tensor(ids, shape), tensor(types, shape), tensor(mask, shape), tensor(labels.ToArray()));
    }

    /// <summary>The rows <paramref name="rows"/> of <paramref name="batch"/>, as a new batch.</summary>
    internal static BatchTensors Select(BatchTensors batch, Tensor rows) => new(
        batch.Ids.index_select(0, rows), batch.Types.index_select(0, rows), batch.Mask.index_select(0, rows), batch.Labels.index_select(0, rows));

    public void Dispose()
    {
        Ids.Dispose();
        Types.Dispose();
        Mask.Dispose();
        Labels.Dispose();
    }
}
