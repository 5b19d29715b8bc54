// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A sentence given as words, encoded for token classification: one <see cref="WordAlignedEncoding"/> when it fits the model,
/// otherwise overlapping windows of whole words (<see cref="WordWindowPlanner"/>), never silently cut.
/// </summary>
internal sealed class WindowedSentence
{
    private WindowedSentence(int wordCount, IReadOnlyList<WordAlignedEncoding> windows, IReadOnlyList<int> truncatedWords)
    {
        WordCount = wordCount;
        Windows = windows;
        TruncatedWords = truncatedWords;
    }

    internal int WordCount { get; }

    /// <summary>The encodings in sentence order; each owns at least one word and every word is owned by exactly one. None for an empty sentence.</summary>
    internal IReadOnlyList<WordAlignedEncoding> Windows { get; }

    /// <summary>Words longer than a whole window, kept only up to the window's length; to be reported (see <see cref="WordTokens.TruncatedWords"/>).</summary>
    internal IReadOnlyList<int> TruncatedWords { get; }

    /// <summary>Tokenizes each word and splits the sentence into windows when it is longer than the tokenizer's maximum length.</summary>
    /// <param name="tokenizer">The backbone's tokenizer; its <see cref="TextTokenizer.MaxLength"/> bounds every window, special tokens included.</param>
    /// <param name="words">The sentence's words.</param>
    /// <param name="overlapTokens">Most tokens consecutive windows share; null for <see cref="WordWindowPlanner.DefaultOverlap"/>.</param>
    /// <exception cref="ArgumentException">A word is null or gives no token.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="overlapTokens"/> is negative or not less than a window's room for text.</exception>
    internal static WindowedSentence Encode(TextTokenizer tokenizer, IReadOnlyList<string> words, int? overlapTokens = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        int budget = tokenizer.MaxLength - tokenizer.Layout.SingleOverhead;
        var tokens = WordTokens.Tokenize(tokenizer, words, budget);
        var plan = WordWindowPlanner.Plan(tokens.Ids.Select(w => w.Length).ToArray(), budget, overlapTokens ?? WordWindowPlanner.DefaultOverlap(budget));
        var windows = plan.Select(window => WordAlignedEncoding.Create(tokens, window, tokenizer.Layout)).ToArray();
        return new WindowedSentence(tokens.WordCount, windows, tokens.TruncatedWords);
    }
}
