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

    /// <summary>The batch the PyTorch script wrote (<c>input_ids</c>, <c>token_type_ids</c>, <c>attention_mask</c>, <c>labels</c>), so both sides train on the same rows.</summary>
    internal static BatchTensors Load(string path)
    {
        var tensors = Formats.SafeTensors.SafeTensorsFile.Read(path);
        return new BatchTensors(tensors["input_ids"], tensors["token_type_ids"], tensors["attention_mask"], tensors["labels"]);
    }

    /// <summary>Tokenized rows padded with <paramref name="padId"/> to <paramref name="time"/> tokens (at least the longest row).</summary>
    internal static BatchTensors Collate(IReadOnlyList<EncodedText> rows, IReadOnlyList<long> labels, int time, long padId)
    {
        var (ids, types, mask) = EncodedBatch.Collate(rows, padId, CPU, minLength: time);
        return new BatchTensors(ids, types, mask, tensor(labels.ToArray()));
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
