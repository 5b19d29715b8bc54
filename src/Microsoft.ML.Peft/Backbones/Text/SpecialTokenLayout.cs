// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// Where an architecture puts its special tokens around one text or a pair, as Hugging Face's tokenizers do:
/// BERT <c>[CLS] a [SEP] b [SEP]</c> with token types 0…0 1…1; RoBERTa <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c> with token types all 0.
/// </summary>
internal sealed record SpecialTokenLayout(int StartId, int SeparatorId, int PadId, bool DoubleSeparatorBetweenPair, bool SecondSegmentHasTypeOne)
{
    /// <summary>Gets the mask token (<c>[MASK]</c>, <c>&lt;mask&gt;</c>) that masked language modeling writes; null when the vocabulary has none.</summary>
    internal int? MaskId { get; init; }

    /// <summary>Gets the unknown token (<c>[UNK]</c>, <c>&lt;unk&gt;</c>); null when the vocabulary has none.</summary>
    internal int? UnknownId { get; init; }

    /// <summary>Special tokens added around a single text.</summary>
    internal int SingleOverhead => 2;

    /// <summary>Special tokens added around a pair.</summary>
    internal int PairOverhead => DoubleSeparatorBetweenPair ? 4 : 3;

    /// <summary>
    /// True for the tokenizer's special tokens (start, separator, padding, unknown, mask): Hugging Face's <c>all_special_ids</c>,
    /// which its masked-language-modeling collator never selects.
    /// </summary>
    internal bool IsSpecial(long id) => id == StartId || id == SeparatorId || id == PadId || id == UnknownId || id == MaskId;
}
