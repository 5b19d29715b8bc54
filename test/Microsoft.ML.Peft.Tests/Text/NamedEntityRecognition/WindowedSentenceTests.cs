// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Backbones.Roberta;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class WindowedSentenceTests
{
    private const int None = WordAlignedEncoding.NoWord;
    private const string MiniLm = "all-MiniLM-L6-v2";
    private const string NcbiTrain = "datasets/ncbi-disease-iob/train.tsv";

    [Fact]
    public void Encode_SentenceThatFits_IsOneWindowBetweenSpecialTokens()
    {
        var sentence = WindowedSentence.Encode(Create(), new[] { "the", "unplayable", "cat" });

        var window = Assert.Single(sentence.Windows);
        Assert.Equal(new[] { Cls, The, Un, PlayPiece, Able, Cat, Sep }, window.InputIds);
        Assert.Equal(new[] { None, 0, 1, 1, 1, 2, None }, window.WordIds);
        Assert.Equal(new WordWindow(0, 3, 0, 3), window.Window);
        Assert.Equal(3, sentence.WordCount);
        Assert.Empty(sentence.TruncatedWords);
    }

    [Fact]
    public void Encode_SentenceExactlyAtMaxLength_IsOneWindow()
    {
        // 6 tokens of text + [CLS] + [SEP] = 8.
        var sentence = WindowedSentence.Encode(Create(maxLength: 8), new[] { "the", "unplayable", "playing" });

        Assert.Equal(8, Assert.Single(sentence.Windows).Length);
    }

    [Fact]
    public void Encode_OneTokenOverMaxLength_IsSeveralWindowsOfWholeWordsWithinMaxLength()
    {
        var words = new[] { "the", "unplayable", "playing", "cat" };

        var sentence = WindowedSentence.Encode(Create(maxLength: 8), words, overlapTokens: 2);

        Assert.True(sentence.Windows.Count > 1);
        Assert.All(sentence.Windows, window => Assert.True(window.Length <= 8));
        Assert.All(sentence.Windows, window => Assert.Equal((Cls, Sep), (window.InputIds[0], window.InputIds[^1])));
        Assert.Equal(Enumerable.Range(0, words.Length), sentence.Windows.SelectMany(w => Enumerable.Range(w.Window.FirstOwnedWord, w.Window.EndOwnedWord - w.Window.FirstOwnedWord)));

        // Whole words: a window never starts or ends inside a word.
        Assert.All(sentence.Windows, window => Assert.True(window.IsFirstSubToken[1]));
    }

    [Fact]
    public void Encode_ConsecutiveWindows_ShareAtMostTheOverlap()
    {
        var words = Enumerable.Range(0, 30).Select(i => i % 4 == 0 ? "unplayable" : i % 2 == 0 ? "playing" : "cat").ToArray();

        var sentence = WindowedSentence.Encode(Create(maxLength: 12), words, overlapTokens: 4);

        for (int k = 1; k < sentence.Windows.Count; k++)
        {
            var previous = sentence.Windows[k - 1];
            var current = sentence.Windows[k];
            int shared = current.WordIds.Count(w => w != None && w < previous.Window.EndWord);
            Assert.InRange(shared, 1, 4);
        }
    }

    [Fact]
    public void Encode_WordLongerThanAWindow_IsCutToItsFirstTokensAndReportedNotThrown()
    {
        // maxLength 5 leaves 3 tokens a window; "unplayableing" is un ##play ##able ##ing.
        var sentence = WindowedSentence.Encode(Create(maxLength: 5), new[] { "the", "unplayableing", "cat" }, overlapTokens: 1);

        Assert.Equal(new[] { 1 }, sentence.TruncatedWords);
        var owner = sentence.Windows.Single(w => w.Window.Owns(1));
        Assert.Equal(new[] { Cls, Un, PlayPiece, Able, Sep }, owner.InputIds);
        Assert.Equal(3, sentence.Windows.Count);
    }

    [Fact]
    public void Encode_NoWords_HasNoWindows()
    {
        Assert.Empty(WindowedSentence.Encode(Create(), Array.Empty<string>()).Windows);
    }

    [Fact]
    public void Encode_OverlapAsLongAsAWindow_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>("overlap", () => WindowedSentence.Encode(Create(maxLength: 8), new[] { "the" }, overlapTokens: 6));
    }

    [Fact]
    public void Encode_Roberta_EveryWordHasTheLeadingSpaceAndRobertasSpecialTokens()
    {
        // Hand-made byte-level BPE (RobertaTokenizerFactoryTests): " lower" is Ġ(10) low(12) er(13), " newer" is Ġnewer(17).
        var tokenizer = RobertaTokenizerFactory.Create(RobertaTokenizerFactoryTests.Files(), 16, "test files");

        var window = Assert.Single(WindowedSentence.Encode(tokenizer, new[] { "lower", "newer" }).Windows);

        Assert.Equal(new long[] { 0, 10, 12, 13, 17, 2 }, window.InputIds);
        Assert.Equal(new[] { None, 0, 0, 0, 1, None }, window.WordIds);
        Assert.Equal(new[] { false, true, false, false, true, false }, window.IsFirstSubToken);
    }

    [SharedFixtureFact(MiniLm, NcbiTrain)]
    public void Encode_NcbiDiseaseSentenceWithMiniLm_PutsEachLabelOnItsWordsFirstWordPiece()
    {
        var (words, tags) = FirstSentence(SharedFixtures.Path(NcbiTrain.Split('/')));
        var tokenizer = PretrainedModel.FromDirectory(SharedFixtures.Path(MiniLm)).AsText("test").CreateTokenizer();
        var tagNames = tags.Distinct().Order(StringComparer.Ordinal).ToList();

        var sentence = WindowedSentence.Encode(tokenizer, words);
        var window = Assert.Single(sentence.Windows);
        var labels = Assert.Single(TokenLabels.Align(sentence, tags.Select(t => tagNames.IndexOf(t)).ToArray()));

        // The first sentence: "Identification of APC2 , a homologue of the adenomatous polyposis coli tumour suppressor ."
        // Ids from greedy longest-match WordPiece over the fixture's vocab.txt: "APC2" is ap ##c ##2, "adenomatous" is aden ##oma ##tou ##s.
        int apc2 = Array.IndexOf(words, "APC2");
        int adenomatous = Array.IndexOf(words, "adenomatous");
        Assert.Equal(new long[] { 9706, 2278, 2475 }, Positions(window, apc2).Select(p => window.InputIds[p]));
        Assert.Equal(new long[] { 16298, 9626, 24826, 2015 }, Positions(window, adenomatous).Select(p => window.InputIds[p]));
        int first = window.FirstTokenPositions[adenomatous];
        Assert.Equal(tagNames.IndexOf("B-Disease"), labels[first]);
        Assert.All(Positions(window, adenomatous).Skip(1), p => Assert.Equal(TokenLabels.IgnoreIndex, labels[p]));

        // Word by word gives what WordPiece gives the running text, between [CLS] and [SEP]: the alignment adds no token.
        Assert.Equal(tokenizer.Encode(string.Join(" ", words)).InputIds, window.InputIds);
        Assert.Equal(words.Length, labels.Count(l => l != TokenLabels.IgnoreIndex));
    }

    private static IEnumerable<int> Positions(WordAlignedEncoding window, int word) =>
        Enumerable.Range(0, window.Length).Where(p => window.WordIds[p] == word);

    // train.tsv: "token<TAB>tag" lines, a blank line between sentences.
    private static (string[] Words, string[] Tags) FirstSentence(string path)
    {
        var lines = File.ReadLines(path).TakeWhile(line => line.Length > 0).Select(line => line.Split('\t')).ToArray();
        return (lines.Select(l => l[0]).ToArray(), lines.Select(l => l[1]).ToArray());
    }
}
