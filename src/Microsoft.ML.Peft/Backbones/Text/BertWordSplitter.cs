// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// Splits a raw text into the words BERT's <c>BasicTokenizer</c> makes (Hugging Face's <c>tokenization_bert.py</c>): runs
/// between whitespace, with every punctuation character and, when <c>tokenize_chinese_chars</c> is on, every CJK ideograph a
/// word of its own. Offsets point into the original string: nothing is lowercased or normalised here, because lowercasing and
/// accent stripping (NFD then dropping non-spacing marks) change lengths; the word pieces of each word still come from the
/// tokenizer, which normalises the word itself.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' <c>BertTokenizer</c> cannot give these offsets: its pre-tokenizer (<c>\w+|[\p{P}]</c>) drops
/// symbols such as <c>+</c>, <c>$</c> or <c>©</c> that BERT keeps (as punctuation or inside words), and its token offsets
/// point into the normalised text, which accent stripping and CJK spacing make longer or shorter than the original.
/// </remarks>
internal static class BertWordSplitter
{
    private enum CharacterKind
    {
        Word,
        Separator,
        Alone,
        Ignored,
    }

    /// <summary>The words of <paramref name="text"/>, in order.</summary>
    /// <param name="text">The raw text; null or empty gives no word.</param>
    /// <param name="splitCjk"><c>tokenize_chinese_chars</c>: each CJK ideograph is a word.</param>
    /// <param name="stripAccents"><c>strip_accents</c>: non-spacing marks are deleted, so a mark alone (after punctuation) is no word.</param>
    internal static IReadOnlyList<WordSpan> Split(string? text, bool splitCjk = true, bool stripAccents = false)
    {
        var words = new List<WordSpan>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        int start = -1;
        int end = -1;
        int at = 0;
        while (at < text.Length)
        {
            // A lone surrogate is part of a word, as Python sees any code point that is not space, punctuation or control.
            var kind = Rune.DecodeFromUtf16(text.AsSpan(at), out var rune, out int consumed) == System.Buffers.OperationStatus.Done
                ? Classify(rune, splitCjk, stripAccents)
                : CharacterKind.Word;
            consumed = Math.Max(consumed, 1);
            switch (kind)
            {
                case CharacterKind.Word:
                    start = start < 0 ? at : start;
                    end = at + consumed;
                    break;
                case CharacterKind.Ignored:
                    // BasicTokenizer deletes control characters (and marks, when stripping accents) before splitting: inside a
                    // word they neither split it nor start one, but the word's span covers them (an accent stays with its letter).
                    end = start >= 0 ? at + consumed : end;
                    break;
                case CharacterKind.Separator:
                    Flush(words, ref start, end);
                    break;
                case CharacterKind.Alone:
                    Flush(words, ref start, end);
                    words.Add(new WordSpan(at, consumed));
                    break;
            }

            at += consumed;
        }

        Flush(words, ref start, end);
        return words;
    }

    private static void Flush(List<WordSpan> words, ref int start, int end)
    {
        if (start >= 0)
        {
            words.Add(new WordSpan(start, end - start));
            start = -1;
        }
    }

    private static CharacterKind Classify(Rune rune, bool splitCjk, bool stripAccents)
    {
        int code = rune.Value;

        // _is_whitespace: space, tab, line feed, carriage return, and the space separators (Zs).
        if (code is ' ' or '\t' or '\n' or '\r')
        {
            return CharacterKind.Separator;
        }

        var category = Rune.GetUnicodeCategory(rune);
        if (category == UnicodeCategory.SpaceSeparator)
        {
            return CharacterKind.Separator;
        }

        // _clean_text: NUL, U+FFFD and control characters (Cc, Cf) are removed.
        if (code is 0 or 0xFFFD || category is UnicodeCategory.Control or UnicodeCategory.Format)
        {
            return CharacterKind.Ignored;
        }

        if (stripAccents && category == UnicodeCategory.NonSpacingMark)
        {
            return CharacterKind.Ignored;
        }

        if (IsPunctuation(code, category) || (splitCjk && IsCjk(code)))
        {
            return CharacterKind.Alone;
        }

        return CharacterKind.Word;
    }

    // _is_punctuation: all non-letter, non-digit ASCII symbols (so $, +, ^ and ` count), and every Unicode P* category.
    private static bool IsPunctuation(int code, UnicodeCategory category) =>
        code is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)
        || category is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;

    // _is_chinese_char: the CJK Unified Ideographs blocks and their extensions and compatibility blocks (not kana or hangul).
    private static bool IsCjk(int code) =>
        code is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);
}
