// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>The attention masks of Hugging Face's encoders, built from a 1/0 (batch, time) mask.</summary>
internal static class AttentionMask
{
    /// <summary>
    /// BERT's extended mask, added to the attention scores: 0 where attended, the dtype's most negative value where padded,
    /// shaped (batch, 1, 1, time) to broadcast over heads and query positions.
    /// </summary>
    internal static Tensor Additive(Tensor attentionMask, ScalarType dtype) =>
        (1 - attentionMask.to(dtype)).unsqueeze(1).unsqueeze(2) * torch.finfo(dtype).min;
}
