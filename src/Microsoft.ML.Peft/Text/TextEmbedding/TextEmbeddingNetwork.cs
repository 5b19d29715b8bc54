// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.TextEmbedding;

/// <summary>
/// The encoder (with its adapter, or none), the tokenizer and the pooling of a text embedding: texts in, one float vector each
/// out, in length-sorted batches under <c>no_grad</c>, one dispose scope per batch.
/// </summary>
internal sealed class TextEmbeddingNetwork : IDisposable
{
    private readonly object _gate = new();

    internal TextEmbeddingNetwork(PeftModel peft, TextEncoder encoder, TextTokenizer tokenizer, TextEmbeddingPooling pooling, bool normalize, Device device)
    {
        Peft = peft;
        Encoder = encoder;
        Tokenizer = tokenizer;
        Pooling = pooling;
        Normalize = normalize;
        Device = device;
    }

    internal PeftModel Peft { get; }

    internal TextEncoder Encoder { get; }

    internal TextTokenizer Tokenizer { get; }

    internal TextEmbeddingPooling Pooling { get; }

    internal bool Normalize { get; }

    internal Device Device { get; }

    internal int Dimension => Encoder.HiddenSize;

    /// <summary>Pools the last hidden states over the attended tokens (mean) or takes the first token's (CLS), then normalises when asked.</summary>
    internal static Tensor Pool(Tensor lastHidden, Tensor mask, TextEmbeddingPooling pooling, bool normalize)
    {
        Tensor pooled;
        if (pooling == TextEmbeddingPooling.Cls)
        {
            pooled = lastHidden.select(1, 0);
        }
        else
        {
            var weights = mask.unsqueeze(-1).to(lastHidden.dtype);
            pooled = (lastHidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9);
        }

        // sentence-transformers' Normalize: F.normalize(p=2, dim=1), whose eps keeps an all-zero vector at zero.
        return normalize ? nn.functional.normalize(pooled, p: 2, dim: 1) : pooled;
    }

    /// <summary>The embedding of each text, in the given order.</summary>
    internal float[][] Embed(IReadOnlyList<string> texts, int batchSize)
    {
        var encoded = texts.Select(t => Tokenizer.Encode(t)).ToArray();
        var result = new float[encoded.Length][];
        lock (_gate)
        {
            Encoder.eval();
            using var noGrad = no_grad();
            BatchInference.ForEachBatch(encoded.Select(e => e.Length).ToArray(), batchSize, batch =>
            {
                using var scope = NewDisposeScope();
                var (ids, types, mask) = EncodedBatch.Collate(batch.Select(i => encoded[i]).ToList(), Tokenizer.Layout.PadId, Device);
                var vectors = Pool(Encoder.call(ids, types, mask), mask, Pooling, Normalize).to(ScalarType.Float32).cpu().data<float>().ToArray();
                for (int b = 0; b < batch.Length; b++)
                {
                    result[batch[b]] = vectors.AsSpan(b * Dimension, Dimension).ToArray();
                }
            });
        }

        return result;
    }

    public void Dispose()
    {
        Peft.Dispose();
        Encoder.Dispose();
    }
}
