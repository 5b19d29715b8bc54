// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Pads a batch of <see cref="WordAlignedEncoding"/>s to the longest among them and moves it to the device, as Hugging Face's
/// <c>DataCollatorForTokenClassification</c>: padding ids, token type 0, mask 0, and label <see cref="TokenLabels.IgnoreIndex"/>.
/// </summary>
internal static class TokenClassificationCollator
{
    /// <summary>(ids, token types, mask), each (batch, time), for prediction.</summary>
    internal static (Tensor Ids, Tensor Types, Tensor Mask) Collate(IReadOnlyList<WordAlignedEncoding> rows, long padId, Device device)
    {
        var (ids, types, mask, _) = Pad(rows, null, padId);
        long[] shape = { rows.Count, ids.Length / rows.Count };
        return (tensor(ids, shape).to(device), tensor(types, shape).to(device), tensor(mask, shape).to(device));
    }

    /// <summary>(ids, token types, mask, labels), each (batch, time), for training.</summary>
    /// <param name="rows">The encodings.</param>
    /// <param name="labels">Token labels of each row (<see cref="TokenLabels.Align"/>), as long as the row.</param>
    /// <param name="padId">The architecture's padding id.</param>
    /// <param name="device">Where the tensors go.</param>
    /// <exception cref="ArgumentException">The labels do not match the rows.</exception>
    internal static (Tensor Ids, Tensor Types, Tensor Mask, Tensor Labels) Collate(IReadOnlyList<WordAlignedEncoding> rows, IReadOnlyList<long[]> labels, long padId, Device device)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (ids, types, mask, paddedLabels) = Pad(rows, labels, padId);
        long[] shape = { rows.Count, ids.Length / rows.Count };
        return (tensor(ids, shape).to(device), tensor(types, shape).to(device), tensor(mask, shape).to(device), tensor(paddedLabels!, shape).to(device));
    }

    private static (long[] Ids, long[] Types, long[] Mask, long[]? Labels) Pad(IReadOnlyList<WordAlignedEncoding> rows, IReadOnlyList<long[]>? labels, long padId)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one row.", nameof(rows));
        }

        if (labels is not null && labels.Count != rows.Count)
        {
            throw new ArgumentException($"The batch has {rows.Count} rows but {labels.Count} label rows.", nameof(labels));
        }

        int time = rows.Max(r => r.Length);
        var ids = new long[rows.Count * time];
        var types = new long[rows.Count * time];
        var mask = new long[rows.Count * time];
        var paddedLabels = labels is null ? null : new long[rows.Count * time];
        Array.Fill(ids, padId);
        if (paddedLabels is not null)
        {
            Array.Fill(paddedLabels, TokenLabels.IgnoreIndex);
        }

        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].InputIds.CopyTo(ids, i * time);
            rows[i].TokenTypeIds.CopyTo(types, i * time);
            Array.Fill(mask, 1L, i * time, rows[i].Length);
            if (paddedLabels is not null)
            {
                if (labels![i].Length != rows[i].Length)
                {
                    throw new ArgumentException($"Row {i} has {rows[i].Length} tokens but {labels[i].Length} labels.", nameof(labels));
                }

                labels[i].CopyTo(paddedLabels, i * time);
            }
        }

        return (ids, types, mask, paddedLabels);
    }
}
