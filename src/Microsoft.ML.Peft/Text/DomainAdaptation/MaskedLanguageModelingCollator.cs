// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.DomainAdaptation;

/// <summary>
/// Hugging Face's <c>DataCollatorForLanguageModeling</c> (<c>mlm=True</c>) for encoded texts: pads a batch, selects each
/// non-special token with probability <see cref="MaskProbability"/> (0.15 by default), and of the selected tokens replaces 80 % with the
/// mask token, 10 % with a token drawn uniformly from the whole vocabulary, and leaves 10 % unchanged. Labels hold the original id
/// at selected positions and -100 elsewhere.
/// </summary>
/// <remarks>
/// Special tokens (Hugging Face's <c>all_special_ids</c>: start, separator, padding, unknown and mask) and padding are never
/// selected. As in Hugging Face, each call draws a new masking (dynamic masking), and a random replacement may be any id, a
/// special token's included. The draws come from the <see cref="Random"/> passed in, so the same seed gives the same batch.
/// </remarks>
internal sealed class MaskedLanguageModelingCollator
{
    /// <summary>Hugging Face's <c>mlm_probability</c> default.</summary>
    internal const double DefaultMaskProbability = 0.15;

    /// <summary>Hugging Face's <c>mask_replace_prob</c>: the share of selected tokens replaced by the mask token.</summary>
    internal const double MaskReplaceShare = 0.8;

    /// <summary>Hugging Face's <c>random_replace_prob</c>: the share of selected tokens replaced by a random token.</summary>
    internal const double RandomReplaceShare = 0.1;

    private readonly SpecialTokenLayout _layout;
    private readonly int _maskId;

    /// <param name="layout">The tokenizer's special tokens; it must have a mask token.</param>
    /// <param name="vocabularySize">Number of token ids, from which random replacements are drawn.</param>
    /// <param name="maskProbability">The probability of selecting each non-special token, within (0, 1].</param>
    /// <exception cref="ArgumentException">The layout has no mask token.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The vocabulary size or the probability is out of range.</exception>
    internal MaskedLanguageModelingCollator(SpecialTokenLayout layout, int vocabularySize, double maskProbability = DefaultMaskProbability)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _maskId = layout.MaskId ?? throw new ArgumentException(
            "The tokenizer has no mask token ([MASK] or <mask>), which masked language modeling writes; use a model whose vocabulary has one.", nameof(layout));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        if (!(maskProbability > 0 && maskProbability <= 1))
        {
            throw new ArgumentOutOfRangeException(
                nameof(maskProbability), maskProbability, string.Create(CultureInfo.InvariantCulture, $"`{nameof(maskProbability)}` must be within (0, 1], got {maskProbability}; Hugging Face's default is {DefaultMaskProbability}."));
        }

        _layout = layout;
        VocabularySize = vocabularySize;
        MaskProbability = maskProbability;
    }

    /// <summary>Gets the probability of selecting each non-special token.</summary>
    internal double MaskProbability { get; }

    /// <summary>Gets the number of token ids random replacements are drawn from.</summary>
    internal int VocabularySize { get; }

    /// <summary>The collator for <paramref name="tokenizer"/>'s mask token and vocabulary.</summary>
    /// <exception cref="ArgumentException">The tokenizer has no mask token or does not know its vocabulary size.</exception>
    internal static MaskedLanguageModelingCollator For(TextTokenizer tokenizer, double maskProbability = DefaultMaskProbability)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int size = tokenizer.VocabularySize ?? throw new ArgumentException(
            "The tokenizer does not report its vocabulary size, from which masked language modeling draws random tokens.", nameof(tokenizer));
        return new MaskedLanguageModelingCollator(tokenizer.Layout, size, maskProbability);
    }

    /// <summary>Pads <paramref name="rows"/> to the longest and masks them with draws from <paramref name="random"/>.</summary>
    internal MaskedBatch Collate(IReadOnlyList<EncodedText> rows, Random random)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(random);
        int time = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        var ids = new long[rows.Count * time];
        var types = new long[ids.Length];
        var mask = new long[ids.Length];
        var labels = new long[ids.Length];
        Array.Fill(ids, _layout.PadId);
        Array.Fill(labels, MaskedLanguageModel.IgnoredLabel);
        for (int row = 0; row < rows.Count; row++)
        {
            var encoded = rows[row];
            int start = row * time;
            encoded.TokenTypeIds.CopyTo(types, start);
            Array.Fill(mask, 1L, start, encoded.Length);
            for (int t = 0; t < encoded.Length; t++)
            {
                long id = encoded.InputIds[t];
                ids[start + t] = id;
                if (!_layout.IsSpecial(id) && random.NextDouble() < MaskProbability)
                {
                    labels[start + t] = id;
                    ids[start + t] = Replacement(id, random);
                }
            }
        }

        return new MaskedBatch(ids, types, mask, labels, rows.Count, time);
    }

    // One uniform draw splits the selected tokens 80/10/10, the same distribution as Hugging Face's two Bernoulli draws
    // (0.8, then 0.1 / (1 - 0.8) among the rest).
    private long Replacement(long id, Random random)
    {
        double share = random.NextDouble();
        return share < MaskReplaceShare ? _maskId
            : share < MaskReplaceShare + RandomReplaceShare ? random.Next(VocabularySize)
            : id;
    }
}
