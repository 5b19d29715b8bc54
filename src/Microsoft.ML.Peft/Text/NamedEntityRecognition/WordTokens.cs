// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The sub-word ids of each word of one sentence given as words, without special tokens (<see cref="TextTokenizer.EncodeWord"/>),
/// every word cut to at most one window's worth of tokens so that windowing can always place it.
/// </summary>
internal sealed class WordTokens
{
    private WordTokens(int[][] ids, int[] truncatedWords)
    {
        Ids = ids;
        TruncatedWords = truncatedWords;
        TokenCount = ids.Sum(w => w.Length);
    }

    /// <summary>The sub-word ids of each word, in sentence order; every word has at least one.</summary>
    internal IReadOnlyList<int[]> Ids { get; }

    internal int WordCount => Ids.Count;

    /// <summary>Sub-word tokens of the whole sentence, special tokens excluded.</summary>
    internal int TokenCount { get; }

    /// <summary>
    /// Words longer than a window, cut to their first sub-tokens (a pathological input, e.g. a long URL or a sequence). The
    /// first sub-token, which carries the word's label and prediction, is always kept; the caller reports these words.
    /// </summary>
    internal IReadOnlyList<int> TruncatedWords { get; }

    /// <summary>Tokenizes each word on its own.</summary>
    /// <param name="tokenizer">The backbone's tokenizer.</param>
    /// <param name="words">The sentence's words.</param>
    /// <param name="maxWordTokens">Most tokens one word may keep: the window's room for text.</param>
    /// <exception cref="ArgumentException">A word is null, or gives no token and the vocabulary has no unknown token.</exception>
    internal static WordTokens Tokenize(TextTokenizer tokenizer, IReadOnlyList<string> words, int maxWordTokens)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWordTokens);
        var ids = new int[words.Count][];
        var truncated = new List<int>();
        for (int w = 0; w < words.Count; w++)
        {
            string word = words[w] ?? throw new ArgumentException($"Word {w} of the sentence is null; give every word as a string.", nameof(words));
            var pieces = tokenizer.EncodeWord(word);
            if (pieces.Count == 0)
            {
                throw new ArgumentException(
                    $"Word {w} (\"{word}\") gives no sub-word token and the vocabulary has no unknown token to stand for it; remove or replace the word.",
                    nameof(words));
            }

            if (pieces.Count > maxWordTokens)
            {
                truncated.Add(w);
            }

            ids[w] = pieces.Take(maxWordTokens).ToArray();
        }

        return new WordTokens(ids, truncated.ToArray());
    }
}
