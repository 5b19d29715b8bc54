// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// Scaled dot-product attention over projected queries, keys and values, shared by every encoder here (BERT, RoBERTa,
/// DistilBERT, ViT, CLIP): softmax(q·kᵀ / √d + mask) · v per head, with dropout on the probabilities while training.
/// </summary>
internal static class MultiHeadAttention
{
    /// <summary>
    /// The attended values, (batch, time, hidden), computed in a dispose scope of their own. Without dropout (inference, or
    /// a dropout of 0) libtorch's fused <c>scaled_dot_product_attention</c> runs, which on CPU never holds the
    /// (batch, heads, time, time) scores. With dropout the scores are formed explicitly, as Hugging Face's eager attention,
    /// because the fused CPU kernel does not apply dropout. The softmax is taken in float32 whatever the weights' type, as
    /// Hugging Face does for CLIP, and as it amounts to for float32 weights.
    /// </summary>
    /// <param name="query">Projected queries, (batch, time, hidden).</param>
    /// <param name="key">Projected keys, (batch, time, hidden).</param>
    /// <param name="value">Projected values, (batch, time, hidden).</param>
    /// <param name="heads">Attention heads; hidden must be a multiple of it.</param>
    /// <param name="additiveMask">Added to the scores, broadcastable to (batch, heads, time, time), such as (batch, 1, 1, time) with 0 for tokens and the dtype's minimum for padding; null attends everywhere.</param>
    /// <param name="dropout">Dropout probability on the attention probabilities.</param>
    /// <param name="training">Whether the module is training (dropout applies only then).</param>
    internal static Tensor Attend(Tensor query, Tensor key, Tensor value, int heads, Tensor? additiveMask, double dropout, bool training) =>
        ScopedForward.Run(() =>
        {
            long batch = query.shape[0];
            long time = query.shape[1];
            long headSize = query.shape[2] / heads;
            Tensor Split(Tensor x) => x.view(batch, time, heads, headSize).transpose(1, 2);

            var (q, k, v) = (Split(query), Split(key), Split(value));
            Tensor context;
            if (!training || dropout == 0)
            {
                context = nn.functional.scaled_dot_product_attention(q, k, v, additiveMask is null || additiveMask.dtype == q.dtype ? additiveMask : additiveMask.to(q.dtype));
            }
            else
            {
                // Scalars held for the whole call: TorchSharp 0.107 can finalize a temporary one while libtorch reads it.
                using var scale = (1.0 / Math.Sqrt(headSize)).ToScalar();
                using var one = 1.0.ToScalar();
                var scores = q.matmul(k.transpose(-1, -2)).mul(scale);
                if (additiveMask is not null)
                {
                    scores = scores.add(additiveMask, one);
                }

                var probabilities = scores.softmax(-1, ScalarType.Float32).to(q.dtype);
                context = nn.functional.dropout(probabilities, dropout, training: true).matmul(v);
            }

            return context.transpose(1, 2).reshape(batch, time, -1);
        });
}
