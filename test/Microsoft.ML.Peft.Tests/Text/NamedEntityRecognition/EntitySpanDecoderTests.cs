// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

/// <summary>Entity spans from per-word tags and probabilities: seqeval default-mode chunks, character spans, mean scores.</summary>
public sealed class EntitySpanDecoderTests
{
    private const string Text = "The patient had familial adenomatous polyposis and BRCA1 cancer.";

    // Tag indices: 0 O, 1 B-Disease, 2 I-Disease, 3 B-Gene, 4 I-Gene.
    private static readonly EntityTag[] s_tags = EntitySpanDecoder.ParseTagNames(new[] { "O", "B-Disease", "I-Disease", "B-Gene", "I-Gene" }, "Text");

    // Words: The patient had familial adenomatous polyposis and BRCA1 cancer .
    private static readonly IReadOnlyList<WordSpan> s_words = BertWordSplitter.Split(Text);

    [Fact]
    public void Decode_BeginInsideRuns_SpanFromFirstWordStartToLastWordEnd_ScoreIsTheMean()
    {
        var spans = Decode((0, 0.9f), (0, 0.8f), (0, 0.7f), (1, 0.6f), (2, 0.5f), (2, 0.4f), (0, 0.9f), (3, 0.3f), (1, 0.2f), (0, 0.99f));

        Assert.Equal(new[] { "familial adenomatous polyposis", "BRCA1", "cancer" }, Substrings(spans));
        Assert.Equal(new[] { "Disease", "Gene", "Disease" }, spans.Types);
        Assert.Equal(new[] { (0.6f + 0.5f + 0.4f) / 3, 0.3f, 0.2f }, spans.Scores, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Decode_InsideWithoutBegin_StartsAnEntityAsTheDefaultModeCountsIt()
    {
        var spans = Decode((0, 1), (0, 1), (0, 1), (2, 0.5f), (2, 0.7f), (0, 1), (0, 1), (4, 0.4f), (0, 1), (0, 1));

        Assert.Equal(new[] { "familial adenomatous", "BRCA1" }, Substrings(spans));
        Assert.Equal(new[] { "Disease", "Gene" }, spans.Types);
        Assert.Equal(new[] { 0.6f, 0.4f }, spans.Scores, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Decode_AdjacentEntitiesOfOtherTypes_AreSeparate()
    {
        // B-Disease I-Gene: the type change ends the first entity and starts a Gene entity at the I- (default mode).
        var spans = Decode((0, 1), (1, 0.5f), (3, 0.5f), (4, 0.5f), (1, 0.5f), (2, 0.5f), (1, 0.5f), (4, 0.5f), (0, 1), (0, 1));

        Assert.Equal(new[] { "patient", "had familial", "adenomatous polyposis", "and", "BRCA1" }, Substrings(spans));
        Assert.Equal(new[] { "Disease", "Gene", "Disease", "Disease", "Gene" }, spans.Types);
    }

    [Fact]
    public void Decode_EntityAtTheEnd_IsClosed()
    {
        var spans = Decode((0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (1, 0.25f), (2, 0.75f));

        Assert.Equal(new[] { "cancer." }, Substrings(spans));
        Assert.Equal(Text.Length - spans.Starts[0], spans.Lengths[0]);
        Assert.Equal(0.5f, Assert.Single(spans.Scores), 6);
    }

    [Fact]
    public void Decode_AllOutside_GivesNoSpan()
    {
        Assert.Equal(0, Decode(Enumerable.Repeat((0, 1f), 10).ToArray()).Count);
        Assert.Equal(0, EntitySpanDecoder.Decode(Array.Empty<WordSpan>(), Array.Empty<WordPrediction>(), s_tags).Count);
    }

    [Fact]
    public void Decode_BioesTags_GiveSpansToo()
    {
        var tags = EntitySpanDecoder.ParseTagNames(new[] { "O", "B-Disease", "I-Disease", "E-Disease", "S-Gene" }, "Text");
        var words = BertWordSplitter.Split("familial adenomatous polyposis BRCA1");

        var spans = EntitySpanDecoder.Decode(words, new[] { new WordPrediction(1, 1), new WordPrediction(2, 1), new WordPrediction(3, 1), new WordPrediction(4, 1) }, tags);

        Assert.Equal(new[] { (0, 30), (31, 5) }, spans.Starts.Zip(spans.Lengths));
        Assert.Equal(new[] { "Disease", "Gene" }, spans.Types);
    }

    [Fact]
    public void ParseTagNames_NotIob_NamesTheTextColumnAndTheTag()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EntitySpanDecoder.ParseTagNames(new[] { "O", "PER" }, "Notes"));

        Assert.Contains("text column 'Notes'", error.Message);
        Assert.Contains("\"PER\"", error.Message);
    }

    [Fact]
    public void Decode_WrongNumberOfPredictions_Throws() =>
        Assert.Throws<ArgumentException>(() => EntitySpanDecoder.Decode(s_words, new[] { new WordPrediction(0, 1) }, s_tags));

    private static EntitySpans Decode(params (int Tag, float Probability)[] words)
    {
        Assert.Equal(10, s_words.Count);
        return EntitySpanDecoder.Decode(s_words, words.Select(w => new WordPrediction(w.Tag, w.Probability)).ToArray(), s_tags);
    }

    private static string[] Substrings(EntitySpans spans) => spans.Starts.Zip(spans.Lengths, (s, l) => Text.Substring(s, l)).ToArray();
}
