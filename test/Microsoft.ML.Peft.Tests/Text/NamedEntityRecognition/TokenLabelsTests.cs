// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class TokenLabelsTests
{
    private const long Ignore = TokenLabels.IgnoreIndex;

    [Fact]
    public void Align_MultiSubTokenWords_LabelsOnlyFirstSubTokensAndIgnoresSpecialTokens()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "unplayable", "cat" });

        var labels = Assert.Single(TokenLabels.Align(sentence, new[] { 0, 1, 2 }));

        // [CLS] the un ##play ##able cat [SEP]
        Assert.Equal(new[] { Ignore, 0, 1, Ignore, Ignore, 2, Ignore }, labels);
    }

    [Fact]
    public void Align_Windows_LabelEachWordExactlyOnceInTheWindowThatOwnsIt()
    {
        // maxLength 8 leaves 6 tokens a window; 8 words of 1 or 2 tokens need several overlapping windows.
        var words = new[] { "the", "playing", "cat", "sat", "playing", "on", "the", "mat" };
        var sentence = WindowedSentence.Encode(Create(maxLength: 8), words, overlapTokens: 2);
        var wordLabels = Enumerable.Range(10, words.Length).ToArray();

        var labels = TokenLabels.Align(sentence, wordLabels);

        Assert.True(sentence.Windows.Count > 1);
        var labelled = labels.SelectMany(row => row.Where(l => l != Ignore)).ToList();
        Assert.Equal(wordLabels.Select(l => (long)l), labelled);
        for (int k = 0; k < labels.Length; k++)
        {
            var window = sentence.Windows[k];
            for (int position = 0; position < window.Length; position++)
            {
                bool expectLabel = window.IsFirstSubToken[position] && window.Window.Owns(window.WordIds[position]);
                Assert.Equal(expectLabel, labels[k][position] != Ignore);
            }
        }
    }

    [Fact]
    public void Align_LabelCountOtherThanWordCount_IsRefused()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "cat" });

        var error = Assert.Throws<ArgumentException>("wordLabels", () => TokenLabels.Align(sentence, new[] { 0 }));

        Assert.Contains("2 words but 1 labels", error.Message);
    }

    [Fact]
    public void Align_NegativeLabel_IsRefused()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "cat" });

        Assert.Throws<ArgumentOutOfRangeException>("wordLabels", () => TokenLabels.Align(sentence, new[] { 0, -1 }));
    }
}
