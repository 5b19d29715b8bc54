// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Splits a sentence too long for the model into overlapping windows of whole words, so that no word is silently cut off.
/// </summary>
/// <remarks>
/// <para>
/// Windows are filled greedily with whole words up to the token budget (the model's length less its special tokens). Each next
/// window starts at the earliest word that keeps at most <c>overlap</c> tokens in common with the previous window while still
/// reaching past its end, so consecutive windows share up to <c>overlap</c> tokens and every word lies in some window.
/// </para>
/// <para>
/// Each word is owned by the window where it is farthest from an edge, measured in tokens to the nearer window end (ties go
/// to the earlier window), so it is predicted with the most context on both sides. Ownership is contiguous: for windows
/// <c>k &lt; j</c>, <c>k</c> wins a word <c>[p, q)</c> they share exactly when <c>p + q &lt;= start(j) + end(k)</c>, a threshold on a
/// quantity that grows along the sentence. Windows that end up owning no word are dropped.
/// </para>
/// <para>
/// The default overlap, a quarter of the budget (127 tokens for a 512-token model, close to the 128 that Hugging Face's
/// question-answering examples use as <c>doc_stride</c>), leaves every owned word at least about an eighth of a window of
/// context on both sides, except at the sentence's own ends.
/// </para>
/// </remarks>
internal static class WordWindowPlanner
{
    /// <summary>A quarter of the token budget; see the remarks.</summary>
    internal static int DefaultOverlap(int budget) => budget / 4;

    /// <summary>Plans the windows of one sentence.</summary>
    /// <param name="wordTokenCounts">Sub-word tokens of each word; each between 1 and <paramref name="budget"/> (see <see cref="WordTokens"/>).</param>
    /// <param name="budget">Tokens one window holds, special tokens excluded.</param>
    /// <param name="overlap">Most tokens two consecutive windows share; from 0 to <paramref name="budget"/> − 1.</param>
    /// <returns>The windows in sentence order; one window owning every word when the sentence fits; none for a sentence without words.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The budget, the overlap or a word's token count is out of range.</exception>
    internal static IReadOnlyList<WordWindow> Plan(IReadOnlyList<int> wordTokenCounts, int budget, int overlap)
    {
        ArgumentNullException.ThrowIfNull(wordTokenCounts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budget);
        if (overlap < 0 || overlap >= budget)
        {
            throw new ArgumentOutOfRangeException(
                nameof(overlap), overlap, $"The window overlap must be from 0 to {budget - 1} tokens (less than the {budget} tokens of text a window holds); got {overlap}.");
        }

        int count = wordTokenCounts.Count;
        var offsets = new int[count + 1];
        for (int w = 0; w < count; w++)
        {
            if (wordTokenCounts[w] < 1 || wordTokenCounts[w] > budget)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(wordTokenCounts), wordTokenCounts[w], $"Word {w} has {wordTokenCounts[w]} tokens; each word needs 1 to {budget} (cut longer words first, as WordTokens does).");
            }

            offsets[w + 1] = offsets[w] + wordTokenCounts[w];
        }

        if (count == 0)
        {
            return Array.Empty<WordWindow>();
        }

        var spans = Spans(offsets, budget, overlap);
        var owners = Owners(offsets, spans);
        var windows = new List<WordWindow>(spans.Count);
        for (int k = 0; k < spans.Count; k++)
        {
            int first = Array.IndexOf(owners, k);
            if (first < 0)
            {
                continue;
            }

            int end = Array.LastIndexOf(owners, k) + 1;
            Debug.Assert(owners.AsSpan(first, end - first).IndexOfAnyExcept(k) < 0, "ownership is contiguous");
            windows.Add(new WordWindow(spans[k].First, spans[k].End, first, end));
        }

        return windows;
    }

    // Greedy windows [First, End) of words; offsets[w] is the token offset of word w.
    private static List<(int First, int End)> Spans(int[] offsets, int budget, int overlap)
    {
        int count = offsets.Length - 1;
        var spans = new List<(int First, int End)>();
        int start = 0;
        while (true)
        {
            int end = start;
            while (end < count && offsets[end + 1] - offsets[start] <= budget)
            {
                end++;
            }

            spans.Add((start, end));
            if (end == count)
            {
                return spans;
            }

            // The next window shares at most `overlap` tokens and must take in word `end`; start = end always qualifies.
            int next = start + 1;
            while (offsets[end] - offsets[next] > overlap || offsets[end + 1] - offsets[next] > budget)
            {
                next++;
            }

            start = next;
        }
    }

    // For each word, the window where its distance in tokens to the nearer window edge is largest; the earlier one on ties.
    private static int[] Owners(int[] offsets, List<(int First, int End)> spans)
    {
        int count = offsets.Length - 1;
        var owners = new int[count];
        for (int w = 0; w < count; w++)
        {
            int best = -1, bestDistance = -1;
            for (int k = 0; k < spans.Count; k++)
            {
                var (first, end) = spans[k];
                if (first > w)
                {
                    break;
                }

                if (w >= end)
                {
                    continue;
                }

                int distance = Math.Min(offsets[w] - offsets[first], offsets[end] - offsets[w + 1]);
                if (distance > bestDistance)
                {
                    (best, bestDistance) = (k, distance);
                }
            }

            owners[w] = best;
        }

        return owners;
    }
}
