// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WordTokensTests
{
    [Fact]
    public void Tokenize_MultiPieceWords_KeepsEachWordsPiecesApart()
    {
        var tokens = WordTokens.Tokenize(Create(), new[] { "the", "playing", "unplayable" }, maxWordTokens: 30);

        Assert.Equal(new[] { new[] { (int)The }, new[] { (int)Play, (int)Ing }, new[] { (int)Un, (int)PlayPiece, (int)Able } }, tokens.Ids);
        Assert.Equal(6, tokens.TokenCount);
        Assert.Empty(tokens.TruncatedWords);
    }

    [Fact]
    public void Tokenize_WordLongerThanTheMaximum_KeepsItsFirstTokensAndReportsIt()
    {
        var tokens = WordTokens.Tokenize(Create(), new[] { "the", "unplayable" }, maxWordTokens: 2);

        Assert.Equal(new[] { (int)Un, (int)PlayPiece }, tokens.Ids[1]);
        Assert.Equal(new[] { 1 }, tokens.TruncatedWords);
    }

    [Fact]
    public void Tokenize_EmptyWord_IsTheUnknownTokenSoItKeepsAPosition()
    {
        var tokens = WordTokens.Tokenize(Create(), new[] { "the", string.Empty }, maxWordTokens: 30);

        Assert.Equal(new[] { (int)Unknown }, tokens.Ids[1]);
    }

    [Fact]
    public void Tokenize_NullWord_NamesItsIndex()
    {
        var error = Assert.Throws<ArgumentException>("words", () => WordTokens.Tokenize(Create(), new[] { "the", null! }, maxWordTokens: 30));

        Assert.Contains("Word 1", error.Message);
    }
}
