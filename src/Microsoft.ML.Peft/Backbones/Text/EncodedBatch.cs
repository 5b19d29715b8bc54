// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>Encoded texts as one padded batch, the input every text encoder takes.</summary>
internal static class EncodedBatch
{
    /// <summary>
    /// Pads encoded rows to the longest among them (or to <paramref name="minLength"/> when longer, for a fixed shape) and moves
    /// them to the device as (ids, token types, mask).
    /// </summary>
    internal static (Tensor Ids, Tensor Types, Tensor Mask) Collate(IReadOnlyList<EncodedText> rows, long padId, Device device, int minLength = 0)
    {
        int time = Math.Max(minLength, rows.Max(r => r.Length));
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
        return (tensor(ids, shape).to(device), tensor(types, shape).to(device), tensor(mask, shape).to(device));
    }
}
