// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// Turns one text or a text pair into model inputs: sub-word ids from a Microsoft.ML.Tokenizers tokenizer, the
/// architecture's special tokens, token type ids, and truncation to <see cref="MaxLength"/> with Hugging Face's
/// <c>longest_first</c> rule (one token at a time from the longer text), reported rather than silent.
/// </summary>
internal sealed class TextTokenizer : IBackbonePreprocessor
{
    private readonly Func<string, IReadOnlyList<int>> _encode;
    private readonly Func<string, IReadOnlyList<int>> _encodeWord;
    private readonly Func<string, IReadOnlyList<WordSpan>> _splitWords;

    /// <param name="encode">Sub-word ids of a text without special tokens.</param>
    /// <param name="layout">Special tokens of the architecture.</param>
    /// <param name="maxLength">Longest sequence, special tokens included.</param>
    /// <param name="files">The tokenizer's files (name to bytes), saved with a trained model so it tokenizes the same way after loading.</param>
    /// <param name="encodeWord">Sub-word ids of one word of a pre-split sentence (see <see cref="EncodeWord"/>); null uses <paramref name="encode"/>.</param>
    /// <param name="vocabularySize">Number of token ids the tokenizer knows (Hugging Face's <c>len(tokenizer)</c>); null when unknown.</param>
    /// <param name="splitWords">Splits a raw text into words with offsets (see <see cref="SplitWords"/>); null uses BERT's basic splitting.</param>
    internal TextTokenizer(Func<string, IReadOnlyList<int>> encode, SpecialTokenLayout layout, int maxLength, IReadOnlyDictionary<string, byte[]> files, Func<string, IReadOnlyList<int>>? encodeWord = null, int? vocabularySize = null, Func<string, IReadOnlyList<WordSpan>>? splitWords = null)
    {
        if (maxLength < layout.PairOverhead + 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"The maximum sequence length must leave room for the special tokens and at least one token of each text; got {maxLength}.");
        }

        _encode = encode;
        _encodeWord = encodeWord ?? encode;
        _splitWords = splitWords ?? (text => BertWordSplitter.Split(text));
        Layout = layout;
        MaxLength = maxLength;
        Files = files;
        VocabularySize = vocabularySize;
    }

    internal SpecialTokenLayout Layout { get; }

    internal int MaxLength { get; }

    internal IReadOnlyDictionary<string, byte[]> Files { get; }

    IReadOnlyDictionary<string, byte[]> IBackbonePreprocessor.Files => Files;

    /// <summary>
    /// Number of token ids the tokenizer knows (Hugging Face's <c>len(tokenizer)</c>), from which masked language modeling
    /// draws its random replacement tokens; null when unknown.
    /// </summary>
    internal int? VocabularySize { get; }

    /// <summary>The same tokenizer with a shorter (or equal) maximum length.</summary>
    internal TextTokenizer WithMaxLength(int maxLength) => new(_encode, Layout, maxLength, Files, _encodeWord, VocabularySize, _splitWords);

    /// <summary>Sub-word ids of <paramref name="text"/> without special tokens.</summary>
    internal IReadOnlyList<int> EncodeWithoutSpecialTokens(string text) => _encode(text);

    /// <summary>
    /// Sub-word ids, without special tokens, of one word of a sentence given as words, as Hugging Face's tokenizers produce
    /// them with <c>is_split_into_words=True</c>: WordPiece tokenizes the word alone; byte-level BPE (RoBERTa) gives every word,
    /// the first included, a leading space (Hugging Face refuses pre-split input unless <c>add_prefix_space=True</c>).
    /// A word that tokenizes to nothing (only characters the normaliser deletes) gives the unknown token where the vocabulary
    /// has one, so the word keeps a position to be labelled and predicted at; Hugging Face would drop it with its label.
    /// </summary>
    internal IReadOnlyList<int> EncodeWord(string word) => _encodeWord(word);

    /// <summary>
    /// The words of a raw text as the tokenizer's pre-tokenizer cuts it (BERT's basic tokenizer: whitespace, punctuation, CJK;
    /// byte-level BPE: GPT-2's pattern), with offsets into <paramref name="text"/> itself, so that a tagger trained on words
    /// (CoNLL tokens) sees words of the same kind and its entities map back onto the original characters.
    /// </summary>
    internal IReadOnlyList<WordSpan> SplitWords(string text) => _splitWords(text);

    /// <summary><paramref name="ids"/>, or the unknown token alone when they are empty and <paramref name="unknownId"/> is known.</summary>
    internal static IReadOnlyList<int> OrUnknown(IReadOnlyList<int> ids, int? unknownId) =>
        ids.Count == 0 && unknownId is int unknown ? new[] { unknown } : ids;

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
            word => OrUnknown(tokenizer.EncodeToIds(word, addSpecialTokens: false), tokenizer.UnknownTokenId),
            WordPieceTokenizerFactory.VocabularySize(files),
            text => BertWordSplitter.Split(text, tokenizer.IndividuallyTokenizeCjk, tokenizer.RemoveNonSpacingMarks));
}
