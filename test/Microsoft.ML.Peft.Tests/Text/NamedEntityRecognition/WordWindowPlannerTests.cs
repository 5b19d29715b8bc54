// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WordWindowPlannerTests
{
    [Fact]
    public void Plan_SentenceThatFits_IsOneWindowOwningEveryWord()
    {
        var windows = WordWindowPlanner.Plan(new[] { 1, 2, 1 }, budget: 6, overlap: 1);

        Assert.Equal(new[] { new WordWindow(0, 3, 0, 3) }, windows);
    }

    [Fact]
    public void Plan_SentenceExactlyAtTheLimit_IsOneWindow()
    {
        var windows = WordWindowPlanner.Plan(new[] { 2, 2, 2 }, budget: 6, overlap: 2);

        Assert.Equal(new[] { new WordWindow(0, 3, 0, 3) }, windows);
    }

    [Fact]
    public void Plan_OneTokenOverTheLimit_IsTwoOverlappingWindowsSplitWhereWordsAreFarthestFromAnEdge()
    {
        // Seven one-token words, six per window, two shared: [0, 6) and [4, 7). Word 4 is 1 token from the end of the first
        // window and at the start of the second, so the first owns it; word 5 is at the first's end, so the second owns it.
        var windows = WordWindowPlanner.Plan(Enumerable.Repeat(1, 7).ToArray(), budget: 6, overlap: 2);

        Assert.Equal(new[] { new WordWindow(0, 6, 0, 5), new WordWindow(4, 7, 5, 7) }, windows);
    }

    [Fact]
    public void Plan_ZeroOverlap_WindowsFollowEachOtherWithoutSharing()
    {
        var windows = WordWindowPlanner.Plan(new[] { 2, 2, 2, 2, 2 }, budget: 4, overlap: 0);

        Assert.Equal(new[] { new WordWindow(0, 2, 0, 2), new WordWindow(2, 4, 2, 4), new WordWindow(4, 5, 4, 5) }, windows);
    }

    [Fact]
    public void Plan_WordAsLongAsAWindow_GetsAWindowOfItsOwn()
    {
        var windows = WordWindowPlanner.Plan(new[] { 1, 1, 6, 1 }, budget: 6, overlap: 2);

        Assert.Equal(new[] { new WordWindow(0, 2, 0, 2), new WordWindow(2, 3, 2, 3), new WordWindow(3, 4, 3, 4) }, windows);
    }

    [Fact]
    public void Plan_NoWords_HasNoWindows()
    {
        Assert.Empty(WordWindowPlanner.Plan(Array.Empty<int>(), budget: 6, overlap: 1));
    }

    [Theory]
    [InlineData(1, 8, 0)]
    [InlineData(2, 8, 2)]
    [InlineData(3, 8, 7)]
    [InlineData(4, 30, 7)]
    [InlineData(5, 30, 15)]
    [InlineData(6, 30, 29)]
    public void Plan_RandomSentences_WindowsFitOverlapAndOwnEveryWordExactlyOnceWhereItIsFarthestFromAnEdge(int seed, int budget, int overlap)
    {
        var random = new Random(seed);
        for (int sentence = 0; sentence < 200; sentence++)
        {
            var counts = Enumerable.Range(0, random.Next(0, 60)).Select(_ => random.Next(1, Math.Min(budget, 5) + 1)).ToArray();
            if (sentence % 10 == 0 && counts.Length > 0)
            {
                counts[random.Next(counts.Length)] = budget;
            }

            AssertValidPlan(counts, budget, overlap, WordWindowPlanner.Plan(counts, budget, overlap));
        }
    }

    [Fact]
    public void Plan_OverlapNotLessThanTheBudget_IsRefusedWithTheRange()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>("overlap", () => WordWindowPlanner.Plan(new[] { 1, 1 }, budget: 6, overlap: 6));

        Assert.Contains("from 0 to 5", error.Message);
    }

    [Fact]
    public void Plan_WordLongerThanTheBudget_IsRefusedByIndex()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>("wordTokenCounts", () => WordWindowPlanner.Plan(new[] { 1, 7 }, budget: 6, overlap: 1));

        Assert.Contains("Word 1", error.Message);
    }

    [Fact]
    public void DefaultOverlap_IsAQuarterOfTheBudget()
    {
        Assert.Equal(127, WordWindowPlanner.DefaultOverlap(510));
    }

    private static void AssertValidPlan(int[] counts, int budget, int overlap, IReadOnlyList<WordWindow> windows)
    {
        var offsets = new int[counts.Length + 1];
        for (int w = 0; w < counts.Length; w++)
        {
            offsets[w + 1] = offsets[w] + counts[w];
        }

        int Tokens(int first, int end) => offsets[end] - offsets[first];
        if (counts.Length == 0)
        {
            Assert.Empty(windows);
            return;
        }

        Assert.Equal(0, windows[0].FirstOwnedWord);
        Assert.Equal(counts.Length, windows[^1].EndOwnedWord);
        for (int k = 0; k < windows.Count; k++)
        {
            var window = windows[k];
            Assert.True(Tokens(window.FirstWord, window.EndWord) <= budget, $"window {k} of [{string.Join(",", counts)}] exceeds {budget} tokens");
            Assert.True(window.FirstWord <= window.FirstOwnedWord && window.FirstOwnedWord < window.EndOwnedWord && window.EndOwnedWord <= window.EndWord);
            if (k > 0)
            {
                // Owned ranges tile the sentence in order, and consecutive windows share at most `overlap` tokens.
                Assert.Equal(windows[k - 1].EndOwnedWord, window.FirstOwnedWord);
                Assert.True(Tokens(window.FirstWord, Math.Max(window.FirstWord, windows[k - 1].EndWord)) <= overlap);
            }
        }

        for (int w = 0; w < counts.Length; w++)
        {
            int Distance(WordWindow window) => Math.Min(offsets[w] - offsets[window.FirstWord], offsets[window.EndWord] - offsets[w + 1]);
            var owner = windows.Single(window => window.Owns(w));
            Assert.All(windows.Where(window => window.FirstWord <= w && w < window.EndWord), other => Assert.True(Distance(owner) >= Distance(other)));
        }
    }
}
