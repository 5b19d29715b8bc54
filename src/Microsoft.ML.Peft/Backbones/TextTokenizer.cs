// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>
/// Turns one text or a text pair into model inputs: sub-word ids from a Microsoft.ML.Tokenizers tokenizer, the
/// architecture's special tokens, token type ids, and truncation to <see cref="MaxLength"/> with Hugging Face's
/// <c>longest_first</c> rule (one token at a time from the longer text), reported rather than silent.
/// </summary>
internal sealed class TextTokenizer
{
    private readonly Func<string, IReadOnlyList<int>> _encode;

    /// <param name="encode">Sub-word ids of a text without special tokens.</param>
    /// <param name="layout">Special tokens of the architecture.</param>
    /// <param name="maxLength">Longest sequence, special tokens included.</param>
    /// <param name="files">The tokenizer's files (name to bytes), saved with a trained model so it tokenizes the same way after loading.</param>
    /// <param name="vocabularySize">Number of token ids the tokenizer knows (Hugging Face's <c>len(tokenizer)</c>); null when unknown.</param>
    internal TextTokenizer(Func<string, IReadOnlyList<int>> encode, SpecialTokenLayout layout, int maxLength, IReadOnlyDictionary<string, byte[]> files, int? vocabularySize = null)
    {
        if (maxLength < layout.PairOverhead + 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"The maximum sequence length must leave room for the special tokens and at least one token of each text; got {maxLength}.");
        }

        _encode = encode;
        Layout = layout;
        MaxLength = maxLength;
        Files = files;
        VocabularySize = vocabularySize;
    }

    internal SpecialTokenLayout Layout { get; }

    internal int MaxLength { get; }

    internal IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>
    /// Number of token ids the tokenizer knows (Hugging Face's <c>len(tokenizer)</c>), from which masked language modeling
    /// draws its random replacement tokens; null when unknown.
    /// </summary>
    internal int? VocabularySize { get; }

    /// <summary>The same tokenizer with a shorter (or equal) maximum length.</summary>
    internal TextTokenizer WithMaxLength(int maxLength) => new(_encode, Layout, maxLength, Files, VocabularySize);

    /// <summary>Sub-word ids of <paramref name="text"/> without special tokens.</summary>
    internal IReadOnlyList<int> EncodeWithoutSpecialTokens(string text) => _encode(text);

    /// <summary>Encodes a text, or a pair when <paramref name="second"/> is not null, truncating to <see cref="MaxLength"/>.</summary>
    internal EncodedText Encode(string text, string? second = null)
    {
        var a = _encode(text);
        if (second is null)
        {
            int keep = Math.Min(a.Count, MaxLength - Layout.SingleOverhead);
            var ids = new long[keep + 2];
            ids[0] = Layout.StartId;
            for (int i = 0; i < keep; i++)
            {
                ids[i + 1] = a[i];
            }

            ids[^1] = Layout.SeparatorId;
            return new EncodedText(ids, new long[ids.Length], keep < a.Count);
        }

        var b = _encode(second);
        var (keepA, keepB) = LongestFirst(a.Count, b.Count, MaxLength - Layout.PairOverhead);
        var pair = new long[keepA + keepB + Layout.PairOverhead];
        var types = new long[pair.Length];
        int at = 0;
        pair[at++] = Layout.StartId;
        for (int i = 0; i < keepA; i++)
        {
            pair[at++] = a[i];
        }

        pair[at++] = Layout.SeparatorId;
        if (Layout.DoubleSeparatorBetweenPair)
        {
            pair[at++] = Layout.SeparatorId;
        }

        int secondStart = at;
        for (int i = 0; i < keepB; i++)
        {
            pair[at++] = b[i];
        }

        pair[at] = Layout.SeparatorId;
        if (Layout.SecondSegmentHasTypeOne)
        {
            Array.Fill(types, 1L, secondStart, pair.Length - secondStart);
        }

        return new EncodedText(pair, types, keepA < a.Count || keepB < b.Count);
    }

    /// <summary>Hugging Face's <c>longest_first</c>: remove one token at a time from the longer text (the second on ties).</summary>
    internal static (int KeepA, int KeepB) LongestFirst(int lengthA, int lengthB, int budget)
    {
        int excess = lengthA + lengthB - budget;
        if (excess <= 0)
        {
            return (lengthA, lengthB);
        }

        // Closed form of the one-at-a-time loop: first level the longer down to the shorter, then alternate.
        int difference = Math.Abs(lengthA - lengthB);
        int fromLonger = Math.Min(excess, difference);
        int a = lengthA, b = lengthB;
        if (lengthA > lengthB)
        {
            a -= fromLonger;
        }
        else
        {
            b -= fromLonger;
        }

        int rest = excess - fromLonger;
        b -= (rest + 1) / 2;
        a -= rest / 2;
        return (a, b);
    }

    /// <summary>Wraps a <see cref="BertTokenizer"/> (WordPiece) with BERT's special-token layout.</summary>
    /// <param name="tokenizer">The WordPiece tokenizer.</param>
    /// <param name="maxLength">Longest sequence, special tokens included.</param>
    /// <param name="files">The tokenizer's files.</param>
    /// <param name="secondSegmentHasTypeOne">False for models without token types (DistilBERT), whose ids are then all 0.</param>
    internal static TextTokenizer ForBert(BertTokenizer tokenizer, int maxLength, IReadOnlyDictionary<string, byte[]> files, bool secondSegmentHasTypeOne = true) =>
        new(
            text => tokenizer.EncodeToIds(text, addSpecialTokens: false),
            new SpecialTokenLayout(tokenizer.ClassificationTokenId, tokenizer.SeparatorTokenId, tokenizer.PaddingTokenId, DoubleSeparatorBetweenPair: false, secondSegmentHasTypeOne)
            {
                MaskId = tokenizer.MaskingTokenId,
                UnknownId = tokenizer.UnknownTokenId,
            },
            maxLength,
            files,
            WordPieceTokenizerFactory.VocabularySize(files));
}
