// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WordAlignedEncodingTests
{
    private const int None = WordAlignedEncoding.NoWord;

    [Fact]
    public void Create_MultiSubTokenWord_AlignsWordIdsAndFirstSubTokens()
    {
        var tokenizer = Create();
        var words = WordTokens.Tokenize(tokenizer, new[] { "the", "playing", "cat" }, 30);

        var encoding = WordAlignedEncoding.Create(words, new WordWindow(0, 3, 0, 3), tokenizer.Layout);

        Assert.Equal(new[] { Cls, The, Play, Ing, Cat, Sep }, encoding.InputIds);
        Assert.Equal(new long[6], encoding.TokenTypeIds);
        Assert.Equal(new[] { None, 0, 1, 1, 2, None }, encoding.WordIds);
        Assert.Equal(new[] { false, true, true, false, true, false }, encoding.IsFirstSubToken);
        Assert.Equal(new[] { 1, 2, 4 }, encoding.FirstTokenPositions);
    }

    [Fact]
    public void Create_WindowInsideTheSentence_KeepsTheSentencesWordIndices()
    {
        var tokenizer = Create();
        var words = WordTokens.Tokenize(tokenizer, new[] { "the", "unplayable", "cat", "sat" }, 30);

        var encoding = WordAlignedEncoding.Create(words, new WordWindow(1, 3, 1, 2), tokenizer.Layout);

        Assert.Equal(new[] { Cls, Un, PlayPiece, Able, Cat, Sep }, encoding.InputIds);
        Assert.Equal(new[] { None, 1, 1, 1, 2, None }, encoding.WordIds);
        Assert.Equal(new[] { 1, 4 }, encoding.FirstTokenPositions);
    }

    [Fact]
    public void AtFirstSubTokens_PerTokenValues_AreReadAtEachWordsFirstSubToken()
    {
        var tokenizer = Create();
        var encoding = WordAlignedEncoding.Create(WordTokens.Tokenize(tokenizer, new[] { "the", "playing", "cat" }, 30), new WordWindow(0, 3, 0, 3), tokenizer.Layout);

        // Padding beyond the encoding's length (as in a batch) is ignored.
        Assert.Equal(new[] { "the", "play", "cat" }, encoding.AtFirstSubTokens(new[] { "[CLS]", "the", "play", "##ing", "cat", "[SEP]", "[PAD]" }));
    }

    [Fact]
    public void AtFirstSubTokens_FewerValuesThanPositions_IsRefused()
    {
        var tokenizer = Create();
        var encoding = WordAlignedEncoding.Create(WordTokens.Tokenize(tokenizer, new[] { "the" }, 30), new WordWindow(0, 1, 0, 1), tokenizer.Layout);

        Assert.Throws<ArgumentException>("perToken", () => encoding.AtFirstSubTokens(new[] { 1, 2 }));
    }
}
