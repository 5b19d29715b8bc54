// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.Json;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Tests.Backbones.Roberta;

/// <summary>
/// RoBERTa's byte-level BPE over a hand-made vocabulary and merge list, where every expected id follows from the merges by hand.
/// 'Ġ' (U+0120) is how GPT-2's byte-to-unicode table writes the space byte.
/// </summary>
public sealed class RobertaTokenizerFactoryTests
{
    private const long Start = 0;
    private const long Separator = 2;
    private const long G = 10;        // "Ġ"
    private const long Low = 12;
    private const long Er = 13;
    private const long GNewer = 17;   // "Ġnewer"

    private static readonly string[] s_tokens =
    {
        "<s>", "<pad>", "</s>", "<unk>", "l", "o", "w", "e", "r", "n", "\u0120", "lo", "low", "er",
        "\u0120n", "\u0120ne", "\u0120new", "\u0120newer", "\u00C3", "\u00A9", "<mask>", "\u0120l", "!",
    };

    // Rank order: a lower line merges first, wherever it is in the word.
    private static readonly string[] s_merges =
    {
        "#version: 0.2", "l o", "lo w", "e r", "\u0120 n", "\u0120n e", "\u0120ne w", "\u0120new er", "\u0120 l",
    };

    [Fact]
    public void Encode_TwoWords_FirstWithoutSpacePrefixLaterWithIt()
    {
        // "lower": l o w e r → lo w e r → low e r → low er (no "low er" merge).
        // " newer": Ġ n e w e r → Ġ n e w er ("e r" outranks "Ġ n") → Ġn … → Ġne … → Ġnew er → Ġnewer.
        var tokenizer = Create();

        Assert.Equal(new[] { (int)Low, (int)Er, (int)GNewer }, tokenizer.EncodeWithoutSpecialTokens("lower newer"));
    }

    [Fact]
    public void SplitWords_GivesGpt2PreTokensWithoutTheirSpaceWithOffsetsIntoTheOriginal()
    {
        const string text = "Hello,  world's caf\u00e9!\n42";

        var words = RobertaTokenizerFactory.SplitWords(text);

        Assert.Equal(new[] { (0, 5), (5, 1), (8, 5), (13, 2), (16, 4), (20, 1), (22, 2) }, words.Select(w => (w.Start, w.Length)));
        Assert.Equal(new[] { "Hello", ",", "world", "'s", "caf\u00e9", "!", "42" }, words.Select(w => w.In(text)));
        Assert.Empty(RobertaTokenizerFactory.SplitWords("   "));
    }

    [Fact]
    public void SplitWords_WordPieces_AreThoseOfTheWholeTextWithPrefixSpace()
    {
        var tokenizer = Create(tokenizerConfig: "{\"add_prefix_space\": true}");
        const string text = "lower newer";

        var words = tokenizer.SplitWords(text);

        Assert.Equal(tokenizer.EncodeWithoutSpecialTokens(text), words.SelectMany(w => tokenizer.EncodeWord(w.In(text))));
    }

    [Fact]
    public void Encode_LeadingSpace_MergesByRankNotByPosition()
    {
        // Ġ l o w e r: "l o" (rank 1) beats the leftmost pair "Ġ l" (rank 8), and then "Ġ l" no longer exists.
        Assert.Equal(new[] { (int)G, (int)Low, (int)Er }, Create().EncodeWithoutSpecialTokens(" lower"));
    }

    [Fact]
    public void Encode_AddPrefixSpaceInTokenizerConfig_TreatsTheFirstWordLikeTheOthers()
    {
        var tokenizer = Create(tokenizerConfig: "{\"add_prefix_space\": true}");

        Assert.Equal(new[] { (int)G, (int)Low, (int)Er }, tokenizer.EncodeWithoutSpecialTokens("lower"));
        Assert.Equal(new[] { (int)G, (int)Low, (int)Er }, tokenizer.EncodeWithoutSpecialTokens(" lower"));
    }

    [Fact]
    public void EncodeWord_FirstAndLaterWords_AllGetTheLeadingSpace()
    {
        // Hugging Face's is_split_into_words needs add_prefix_space=True, whose ByteLevel pre-tokenizer prefixes every word:
        // "lower" is tokenized as " lower" (Ġ low er), unlike the first word of the running text "lower newer".
        var tokenizer = Create();

        Assert.Equal(new[] { (int)G, (int)Low, (int)Er }, tokenizer.EncodeWord("lower"));
        Assert.Equal(new[] { (int)GNewer }, tokenizer.EncodeWord("newer"));
        Assert.Equal(new[] { (int)Low, (int)Er, (int)GNewer }, tokenizer.EncodeWithoutSpecialTokens("lower newer"));
    }

    [Fact]
    public void EncodeWord_WordStartingWithASpace_GetsNoSecondSpace()
    {
        Assert.Equal(new[] { (int)GNewer }, Create().EncodeWord(" newer"));
    }

    [Fact]
    public void EncodeWord_AddPrefixSpaceFalseInTokenizerConfig_StillPrefixesTheWord()
    {
        Assert.Equal(new[] { (int)G, (int)Low, (int)Er }, Create(tokenizerConfig: "{\"add_prefix_space\": false}").EncodeWord("lower"));
    }

    [Fact]
    public void Encode_NonAsciiLetter_IsSplitIntoItsUtf8Bytes()
    {
        // é is UTF-8 C3 A9, which the byte-to-unicode table writes as 'Ã' and '©'.
        Assert.Equal(new[] { (int)Low, 18, 19 }, Create().EncodeWithoutSpecialTokens("lowé"));
    }

    [Fact]
    public void Encode_SingleText_IsStartTextSeparatorWithTypeZero()
    {
        var encoded = Create().Encode("lower newer");

        Assert.Equal(new[] { Start, Low, Er, GNewer, Separator }, encoded.InputIds);
        Assert.Equal(new long[5], encoded.TokenTypeIds);
    }

    [Fact]
    public void Encode_Pair_HasTwoSeparatorsBetweenAndTypesAllZero()
    {
        // The second text is tokenized on its own, so its first word has no 'Ġ': n e w e r → n e w er.
        var encoded = Create().Encode("lower", "newer");

        Assert.Equal(new[] { Start, Low, Er, Separator, Separator, 9, 7, 6, Er, Separator }, encoded.InputIds);
        Assert.Equal(new long[10], encoded.TokenTypeIds);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void Encode_PairOverMaxLength_TruncatesLongestFirstAroundFourSpecialTokens()
    {
        // 2 + 4 tokens into 8 - 4 = 4: the second text gives up two.
        var encoded = Create(maxLength: 8).Encode("lower", "newer");

        Assert.Equal(new[] { Start, Low, Er, Separator, Separator, 9, 7, Separator }, encoded.InputIds);
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void Layout_IsRobertas()
    {
        var layout = Create().Layout;

        Assert.Equal((0, 2, 1, true, false), (layout.StartId, layout.SeparatorId, layout.PadId, layout.DoubleSeparatorBetweenPair, layout.SecondSegmentHasTypeOne));
    }

    [Fact]
    public void Create_MissingMerges_NamesTheFile()
    {
        var files = Files();
        files.Remove(RobertaTokenizerFactory.MergesFileName);

        var error = Assert.Throws<FileNotFoundException>(() => RobertaTokenizerFactory.Create(files, 16, "model"));

        Assert.Contains("merges.txt", error.Message);
    }

    [Fact]
    public void Create_MergeOfUnknownToken_NamesMergesTxt()
    {
        var files = Files();
        files[RobertaTokenizerFactory.MergesFileName] = Encoding.UTF8.GetBytes("#version: 0.2\nx y\n");

        var error = Assert.Throws<InvalidDataException>(() => RobertaTokenizerFactory.Create(files, 16, "model"));

        Assert.Contains("merges.txt", error.Message);
    }

    [Fact]
    public void Create_VocabularyWithoutSeparator_NamesTheToken()
    {
        var files = Files();
        files[RobertaTokenizerFactory.VocabFileName] = JsonSerializer.SerializeToUtf8Bytes(s_tokens.Where(t => t != "</s>").Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i));

        var error = Assert.Throws<InvalidDataException>(() => RobertaTokenizerFactory.Create(files, 16, "model"));

        Assert.Contains("\"</s>\"", error.Message);
        Assert.Contains("vocab.json", error.Message);
    }

    /// <summary>vocab.json and merges.txt of the hand-made vocabulary, for tests that write a model folder.</summary>
    internal static Dictionary<string, byte[]> Files(string? tokenizerConfig = null)
    {
        var files = new Dictionary<string, byte[]>
        {
            [RobertaTokenizerFactory.VocabFileName] = JsonSerializer.SerializeToUtf8Bytes(s_tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i)),
            [RobertaTokenizerFactory.MergesFileName] = Encoding.UTF8.GetBytes(string.Join("\n", s_merges) + "\n"),
        };
        if (tokenizerConfig is not null)
        {
            files[WordPieceTokenizerFactory.TokenizerConfigFileName] = Encoding.UTF8.GetBytes(tokenizerConfig);
        }

        return files;
    }

    private static TextTokenizer Create(int maxLength = 32, string? tokenizerConfig = null) =>
        RobertaTokenizerFactory.Create(Files(tokenizerConfig), maxLength, "test files");
}
