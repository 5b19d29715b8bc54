// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// Where an architecture puts its special tokens around one text or a pair, as Hugging Face's tokenizers do:
/// BERT <c>[CLS] a [SEP] b [SEP]</c> with token types 0…0 1…1; RoBERTa <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c> with token types all 0.
/// </summary>
internal sealed record SpecialTokenLayout(int StartId, int SeparatorId, int PadId, bool DoubleSeparatorBetweenPair, bool SecondSegmentHasTypeOne)
{
    /// <summary>Special tokens added around a single text.</summary>
    internal int SingleOverhead => 2;

    /// <summary>Special tokens added around a pair.</summary>
    internal int PairOverhead => DoubleSeparatorBetweenPair ? 4 : 3;
}
