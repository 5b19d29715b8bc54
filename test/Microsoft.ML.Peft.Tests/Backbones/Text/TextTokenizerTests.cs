// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Backbones.Text;

/// <summary>Special-token layout, token types and truncation of <see cref="TextTokenizer"/>, over a real WordPiece tokenizer with a tiny vocabulary.</summary>
public sealed class TextTokenizerTests
{
    private const long Cls = 2;
    private const long Sep = 3;

    // Ids follow the line numbers of vocab.txt: [PAD]=0 … [MASK]=4, then "the"=5 … "ran"=12.
    private static readonly string[] s_vocab = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ran" };

    [Fact]
    public void Encode_SingleText_IsClsTextSepWithTypeZero()
    {
        var encoded = Bert(maxLength: 16).Encode("The cat sat");

        Assert.Equal(new long[] { Cls, 5, 6, 7, Sep }, encoded.InputIds);
        Assert.Equal(new long[5], encoded.TokenTypeIds);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void Encode_Pair_IsClsASepBSepWithTypesZeroThenOne()
    {
        var encoded = Bert(maxLength: 16).Encode("the cat", "a dog ran");

        Assert.Equal(new long[] { Cls, 5, 6, Sep, 10, 11, 12, Sep }, encoded.InputIds);
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 1, 1 }, encoded.TokenTypeIds);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void Encode_SingleTextLongerThanMaxLength_KeepsTheStartAndSaysSo()
    {
        var tokenizer = Bert(maxLength: 5);

        var exact = tokenizer.Encode("the cat sat");
        var cut = tokenizer.Encode("the cat sat on the mat");

        Assert.Equal(new long[] { Cls, 5, 6, 7, Sep }, exact.InputIds);
        Assert.False(exact.Truncated);
        Assert.Equal(new long[] { Cls, 5, 6, 7, Sep }, cut.InputIds);
        Assert.True(cut.Truncated);
    }

    [Fact]
    public void Encode_PairLongerThanMaxLength_TruncatesLongestFirstAndSaysSo()
    {
        // 4 + 2 tokens into a budget of 7 - 3 = 4: the longer first text loses two.
        var encoded = Bert(maxLength: 7).Encode("the cat sat on", "a dog");

        Assert.Equal(new long[] { Cls, 5, 6, Sep, 10, 11, Sep }, encoded.InputIds);
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 1 }, encoded.TokenTypeIds);
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void Encode_PairThatFitsExactly_IsNotTruncated()
    {
        var encoded = Bert(maxLength: 7).Encode("the cat", "a dog");

        Assert.Equal(7, encoded.Length);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void ForBert_ReportsMaskAndUnknownTokensAndTheVocabularySize()
    {
        var tokenizer = Bert(maxLength: 16);
        var files = new Dictionary<string, byte[]> { [WordPieceTokenizerFactory.VocabFileName] = Encoding.UTF8.GetBytes(string.Join("\r\n", s_vocab)) };

        Assert.Equal(4, tokenizer.Layout.MaskId);
        Assert.Equal(1, tokenizer.Layout.UnknownId);
        Assert.Equal(s_vocab.Length, tokenizer.VocabularySize);
        Assert.Equal(s_vocab.Length, tokenizer.WithMaxLength(8).VocabularySize);
        Assert.Equal(s_vocab.Length, WordPieceTokenizerFactory.VocabularySize(files));
        Assert.Equal(new[] { true, true, true, true, true, false }, Enumerable.Range(0, 6).Select(id => tokenizer.Layout.IsSpecial(id)));
    }

    [Fact]
    public void LongestFirst_AllSmallLengthsAndBudgets_MatchesHuggingFacesOneTokenAtATimeLoop()
    {
        for (int lengthA = 0; lengthA <= 9; lengthA++)
        {
            for (int lengthB = 0; lengthB <= 9; lengthB++)
            {
                for (int budget = 0; budget <= lengthA + lengthB + 2; budget++)
                {
                    var expected = ReferenceLongestFirst(lengthA, lengthB, budget);
                    var actual = TextTokenizer.LongestFirst(lengthA, lengthB, budget);
                    Assert.True(expected == actual, $"lengths ({lengthA}, {lengthB}), budget {budget}: expected {expected}, got {actual}");
                }
            }
        }
    }

    [Fact]
    public void EncodeWord_WordOfSeveralPieces_IsThatWordsWordPieces()
    {
        var tokenizer = TinyWordPiece.Create();

        Assert.Equal(new[] { (int)TinyWordPiece.Un, (int)TinyWordPiece.PlayPiece, (int)TinyWordPiece.Able }, tokenizer.EncodeWord("Unplayable"));
        Assert.Equal(new[] { (int)TinyWordPiece.Play, (int)TinyWordPiece.Ing }, tokenizer.EncodeWord("playing"));
    }

    [Fact]
    public void EncodeWord_WordWithPunctuation_KeepsEveryPieceInTheOneWord()
    {
        // BERT's pre-tokenizer splits "cat-sat" at the hyphen; Hugging Face gives all three tokens the word's index.
        Assert.Equal(new[] { (int)TinyWordPiece.Cat, 17, (int)TinyWordPiece.Sat }, TinyWordPiece.Create().EncodeWord("cat-sat"));
    }

    [Fact]
    public void EncodeWord_WordThatTokenizesToNothing_IsTheUnknownToken()
    {
        var tokenizer = TinyWordPiece.Create();

        Assert.Empty(tokenizer.EncodeWithoutSpecialTokens(string.Empty));
        Assert.Equal(new[] { (int)TinyWordPiece.Unknown }, tokenizer.EncodeWord(string.Empty));
    }

    [Fact]
    public void EncodeWord_SurvivesWithMaxLength()
    {
        Assert.Equal(new[] { (int)TinyWordPiece.Unknown }, TinyWordPiece.Create().WithMaxLength(8).EncodeWord(string.Empty));
    }

    [Fact]
    public void Constructor_MaxLengthWithoutRoomForBothTexts_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Bert(maxLength: 4));

        Assert.Equal("maxLength", error.ParamName);
    }

    // Hugging Face's truncate_sequences(strategy="longest_first"): remove the last token of the longer sequence,
    // of the second one on a tie, once per token over the budget.
    private static (int KeepA, int KeepB) ReferenceLongestFirst(int lengthA, int lengthB, int budget)
    {
        int a = lengthA, b = lengthB;
        for (int remove = lengthA + lengthB - budget; remove > 0; remove--)
        {
            if (a > b)
            {
                a--;
            }
            else
            {
                b--;
            }
        }

        return (a, b);
    }

    private static TextTokenizer Bert(int maxLength)
    {
        var files = new Dictionary<string, byte[]> { [WordPieceTokenizerFactory.VocabFileName] = Encoding.UTF8.GetBytes(string.Join("\n", s_vocab) + "\n") };
        return TextTokenizer.ForBert(WordPieceTokenizerFactory.Create(files, "test vocabulary"), maxLength, files);
    }
}
