// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Backbones.Text;

/// <summary>
/// BERT's basic word splitting with offsets into the original string; every expectation is what Hugging Face's
/// <c>BasicTokenizer</c> makes of the text (its words), written as (start, length) by hand.
/// </summary>
public sealed class BertWordSplitterTests
{
    public static TheoryData<string, bool, bool, string[], (int, int)[]> Cases => new()
    {
        { "Hello, world!", true, false, new[] { "Hello", ",", "world", "!" }, new[] { (0, 5), (5, 1), (7, 5), (12, 1) } },
        { "  a   b\t\nc  ", true, false, new[] { "a", "b", "c" }, new[] { (2, 1), (6, 1), (9, 1) } },
        { "Caf\u00e9 cr\u00e8me", true, true, new[] { "Caf\u00e9", "cr\u00e8me" }, new[] { (0, 4), (5, 5) } },
        // Decomposed accents: the mark stays inside its word's span whether or not the tokenizer strips it.
        { "Cafe\u0301 x", true, true, new[] { "Cafe\u0301", "x" }, new[] { (0, 5), (6, 1) } },
        { "Cafe\u0301 x", true, false, new[] { "Cafe\u0301", "x" }, new[] { (0, 5), (6, 1) } },
        // A mark after punctuation: deleted when accents are stripped, a word of its own otherwise.
        { "!\u0301", true, true, new[] { "!" }, new[] { (0, 1) } },
        { "!\u0301", true, false, new[] { "!", "\u0301" }, new[] { (0, 1), (1, 1) } },
        { "\u6211\u7231NLP", true, false, new[] { "\u6211", "\u7231", "NLP" }, new[] { (0, 1), (1, 1), (2, 3) } },
        { "\u6211\u7231NLP", false, false, new[] { "\u6211\u7231NLP" }, new[] { (0, 5) } },
        // U+20000 (CJK extension B) is two UTF-16 units.
        { "x \U00020000y", true, false, new[] { "x", "\U00020000", "y" }, new[] { (0, 1), (2, 2), (4, 1) } },
        // ASCII symbols are punctuation to BERT; other symbols (So: ©, emoji) belong to words.
        { "$5+3 \u00a92020 hi\U0001F600", true, false, new[] { "$", "5", "+", "3", "\u00a92020", "hi\U0001F600" }, new[] { (0, 1), (1, 1), (2, 1), (3, 1), (5, 5), (11, 4) } },
        // Control and format characters are deleted: inside a word they do not split it; alone they are no word.
        { "ab\u200bcd \u200b x", true, false, new[] { "ab\u200bcd", "x" }, new[] { (0, 5), (8, 1) } },
        // No-break space (Zs) separates.
        { "B-cell\u00a0lymphoma", true, false, new[] { "B", "-", "cell", "lymphoma" }, new[] { (0, 1), (1, 1), (2, 4), (7, 8) } },
        { "", true, false, Array.Empty<string>(), Array.Empty<(int, int)>() },
        { " \t ", true, false, Array.Empty<string>(), Array.Empty<(int, int)>() },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Split_GivesBasicTokenizerWordsWithOffsetsIntoTheOriginal(string text, bool splitCjk, bool stripAccents, string[] words, (int, int)[] spans)
    {
        var split = BertWordSplitter.Split(text, splitCjk, stripAccents);

        Assert.Equal(spans, split.Select(w => (w.Start, w.Length)));
        Assert.Equal(words, split.Select(w => w.In(text)));
    }

    [Fact]
    public void Split_Null_GivesNoWord() => Assert.Empty(BertWordSplitter.Split(null));

    [Fact]
    public void SplitWords_WordPieces_AreThoseOfTheWholeText()
    {
        // The words' pieces, each word tokenized alone (as training does), must be the pieces the tokenizer gives the whole text.
        string directory = Path.Combine(Path.GetTempPath(), "peft-split-" + Guid.NewGuid().ToString("N"));
        try
        {
            var tokenizer = PretrainedModel.FromDirectory(TinyBertFolder.Write(directory)).AsText("test").CreateTokenizer();
            // No tab or line feed: Microsoft.ML.Tokenizers' normaliser deletes them and joins the words around them, where
            // BERT's basic tokenizer (and the splitter, see the cases above) separates them.
            const string text = "The  MOVIE, was very  Good!! (really) not-boring";

            var words = tokenizer.SplitWords(text);

            Assert.Equal(
                new[] { "The", "MOVIE", ",", "was", "very", "Good", "!", "!", "(", "really", ")", "not", "-", "boring" },
                words.Select(w => w.In(text)));
            Assert.Equal(tokenizer.EncodeWithoutSpecialTokens(text), words.SelectMany(w => tokenizer.EncodeWord(w.In(text))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
