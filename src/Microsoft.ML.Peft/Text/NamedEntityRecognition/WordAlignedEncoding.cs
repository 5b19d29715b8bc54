// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// One window of a sentence as the model reads it: input ids with the architecture's special tokens, token type ids (all 0,
/// one segment), and for each position the sentence's word index (<see cref="NoWord"/> for special tokens) and whether the
/// position is its word's first sub-token, which carries the word's label and prediction (Hugging Face's
/// <c>word_ids()</c> with <c>label_all_tokens=False</c>).
/// </summary>
internal sealed class WordAlignedEncoding
{
    /// <summary>The word index of special tokens and padding.</summary>
    internal const int NoWord = -1;

    private WordAlignedEncoding(long[] inputIds, int[] wordIds, bool[] isFirstSubToken, int[] firstTokenPositions, WordWindow window)
    {
        InputIds = inputIds;
        TokenTypeIds = new long[inputIds.Length];
        WordIds = wordIds;
        IsFirstSubToken = isFirstSubToken;
        FirstTokenPositions = firstTokenPositions;
        Window = window;
    }

    internal long[] InputIds { get; }

    internal long[] TokenTypeIds { get; }

    /// <summary>For each position, the index of its word in the sentence (not in the window), or <see cref="NoWord"/>.</summary>
    internal int[] WordIds { get; }

    /// <summary>For each position, whether it is the first sub-token of its word.</summary>
    internal bool[] IsFirstSubToken { get; }

    /// <summary>For each word of the window, in order, the position of its first sub-token.</summary>
    internal int[] FirstTokenPositions { get; }

    /// <summary>The words this encoding holds and owns.</summary>
    internal WordWindow Window { get; }

    internal int Length => InputIds.Length;

    /// <summary>Lays out the words of <paramref name="window"/> between the architecture's single-text special tokens.</summary>
    internal static WordAlignedEncoding Create(WordTokens words, WordWindow window, SpecialTokenLayout layout)
    {
        int length = layout.SingleOverhead;
        for (int w = window.FirstWord; w < window.EndWord; w++)
        {
            length += words.Ids[w].Length;
        }

        var ids = new long[length];
        var wordIds = new int[length];
        var first = new bool[length];
        var firstPositions = new int[window.WordCount];
        Array.Fill(wordIds, NoWord);
        int at = 0;
        ids[at++] = layout.StartId;
        for (int w = window.FirstWord; w < window.EndWord; w++)
        {
            firstPositions[w - window.FirstWord] = at;
            first[at] = true;
            foreach (int id in words.Ids[w])
            {
                wordIds[at] = w;
                ids[at++] = id;
            }
        }

        ids[at] = layout.SeparatorId;
        return new WordAlignedEncoding(ids, wordIds, first, firstPositions, window);
    }

    /// <summary>The values at each window word's first sub-token (e.g. a per-token argmax), in word order.</summary>
    /// <param name="perToken">One value per position of this encoding (padding beyond <see cref="Length"/> is ignored).</param>
    internal T[] AtFirstSubTokens<T>(IReadOnlyList<T> perToken)
    {
        if (perToken.Count < Length)
        {
            throw new ArgumentException($"Expected a value for each of the {Length} positions of the window; got {perToken.Count}.", nameof(perToken));
        }

        return FirstTokenPositions.Select(p => perToken[p]).ToArray();
    }
}
