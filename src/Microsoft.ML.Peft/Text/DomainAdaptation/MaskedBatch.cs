// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.DomainAdaptation;

/// <summary>
/// A padded batch for masked language modeling, row-major (rows × time): ids after masking, token types, the 1/0 attention
/// mask, and labels holding the original id where a prediction is scored and -100 elsewhere.
/// </summary>
internal sealed record MaskedBatch(long[] InputIds, long[] TokenTypeIds, long[] AttentionMask, long[] Labels, int Rows, int Time)
{
    /// <summary>Gets the number of positions whose prediction is scored.</summary>
    internal int ScoredCount => Labels.Count(label => label != Backbones.Text.MaskedLanguageModel.IgnoredLabel);

    /// <summary>The four arrays as (rows, time) int64 tensors on <paramref name="device"/>.</summary>
    internal (Tensor InputIds, Tensor TokenTypeIds, Tensor AttentionMask, Tensor Labels) ToTensors(Device device)
    {
        long[] shape = { Rows, Time };
        return (tensor(InputIds, shape).to(device), tensor(TokenTypeIds, shape).to(device), tensor(AttentionMask, shape).to(device), tensor(Labels, shape).to(device));
    }
}
