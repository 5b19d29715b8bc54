// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WindowPredictionsTests
{
    [Fact]
    public void Merge_OneWindow_IsItsPredictions()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "cat", "sat" });

        Assert.Equal(new[] { "a", "b", "c" }, WindowPredictions.Merge(sentence, new[] { new[] { "a", "b", "c" } }));
    }

    [Fact]
    public void Merge_OverlappingWindows_TakesEveryWordOnceFromTheWindowThatOwnsIt()
    {
        var words = Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? "playing" : "cat").ToArray();
        var sentence = WindowedSentence.Encode(Create(maxLength: 8), words, overlapTokens: 3);

        // Each window predicts (its index, the word) for every word it holds, owned or not.
        var perWindow = sentence.Windows
            .Select((window, k) => (IReadOnlyList<(int Window, int Word)>)Enumerable.Range(window.Window.FirstWord, window.Window.WordCount).Select(w => (k, w)).ToArray())
            .ToArray();

        var merged = WindowPredictions.Merge(sentence, perWindow);

        Assert.True(sentence.Windows.Count > 2);
        Assert.Equal(Enumerable.Range(0, words.Length), merged.Select(p => p.Word));
        for (int w = 0; w < words.Length; w++)
        {
            Assert.True(sentence.Windows[merged[w].Window].Window.Owns(w), $"word {w} came from window {merged[w].Window}, which does not own it");
        }
    }

    [Fact]
    public void Merge_FromTokenPredictions_ReadsEachWordsFirstSubTokenInItsOwner()
    {
        var words = new[] { "playing", "the", "unplayable", "cat", "playing", "sat" };
        var sentence = WindowedSentence.Encode(Create(maxLength: 7), words, overlapTokens: 2);
        var perWindow = sentence.Windows
            .Select(window => (IReadOnlyList<int>)window.AtFirstSubTokens(window.WordIds.Select((word, position) => window.IsFirstSubToken[position] ? word * 10 : -1).ToArray()))
            .ToArray();

        Assert.Equal(new[] { 0, 10, 20, 30, 40, 50 }, WindowPredictions.Merge(sentence, perWindow));
    }

    [Fact]
    public void Merge_WrongNumberOfWindowsOrWords_IsRefused()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "cat" });

        Assert.Throws<ArgumentException>("perWindow", () => WindowPredictions.Merge(sentence, Array.Empty<int[]>()));
        var error = Assert.Throws<ArgumentException>("perWindow", () => WindowPredictions.Merge(sentence, new[] { new[] { 1 } }));
        Assert.Contains("2 words but 1 predictions", error.Message);
    }
}
