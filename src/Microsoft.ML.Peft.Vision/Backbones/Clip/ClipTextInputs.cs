// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>A padded batch of tokenized texts for CLIP's text tower: token ids and the 1/0 attention mask, both (texts, time).</summary>
/// <param name="InputIds">Token ids, padded on the right with the tokenizer's padding id.</param>
/// <param name="AttentionMask">1 for tokens, 0 for padding.</param>
internal sealed record ClipTextInputs(Tensor InputIds, Tensor AttentionMask)
{
    /// <summary>
    /// Pads <paramref name="rows"/> on the right, as Hugging Face's tokenizer with <c>padding=True</c> (to the longest row) or
    /// <c>padding="max_length"</c> (to <paramref name="length"/>).
    /// </summary>
    /// <param name="rows">Encoded texts, special tokens included.</param>
    /// <param name="padId">The padding id (<c>&lt;|endoftext|&gt;</c> for OpenAI's tokenizer).</param>
    /// <param name="length">The padded length; null pads to the longest row.</param>
    /// <exception cref="ArgumentException">There are no rows, or a row is longer than <paramref name="length"/>.</exception>
    internal static ClipTextInputs Pad(IReadOnlyList<EncodedText> rows, long padId, int? length = null)
    {
        if (rows.Count == 0)
        {
            throw new ArgumentException("There are no texts to pad.", nameof(rows));
        }

        int longest = rows.Max(r => r.Length);
        int time = length ?? longest;
        if (longest > time)
        {
            throw new ArgumentException($"A text has {longest} tokens, more than the padded length {time}.", nameof(length));
        }

        var ids = new long[rows.Count * time];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        for (int row = 0; row < rows.Count; row++)
        {
            Array.Copy(rows[row].InputIds, 0, ids, row * time, rows[row].Length);
            Array.Fill(mask, 1L, row * time, rows[row].Length);
        }

        return new ClipTextInputs(tensor(ids, new long[] { rows.Count, time }), tensor(mask, new long[] { rows.Count, time }));
    }
}
