// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class TagSchemeConverterTests
{
    [Theory]
    [InlineData("I-ORG O I-PER I-PER", "B-ORG O B-PER I-PER")]
    [InlineData("I-LOC B-LOC I-LOC", "B-LOC B-LOC I-LOC")]
    [InlineData("I-PER I-LOC", "B-PER B-LOC")]
    [InlineData("O O", "O O")]
    public void TagSchemeConverter_ValidIob1_GivesIob2(string iob1, string iob2) =>
        Assert.Equal(SeqevalCases.Tags(iob2), TagSchemeConverter.ToIob2(SeqevalCases.Tags(iob1), TagScheme.Iob1));

    // Invalid IOB1 (B- after O) decodes as seqeval's strict mode counts it: the B- is dropped, the I- after it starts the entity.
    [Theory]
    [InlineData("O B-PER I-PER", "O O B-PER")]
    [InlineData("B-PER O", "O O")]
    [InlineData("I-PER B-ORG", "B-PER O")]
    public void TagSchemeConverter_InvalidIob1_KeepsWhatSeqevalStrictCounts(string iob1, string iob2) =>
        Assert.Equal(SeqevalCases.Tags(iob2), TagSchemeConverter.ToIob2(SeqevalCases.Tags(iob1), TagScheme.Iob1));

    [Theory]
    [InlineData("S-PER O B-ORG I-ORG E-ORG", "B-PER O B-ORG I-ORG I-ORG")]
    [InlineData("B-LOC E-LOC S-LOC", "B-LOC I-LOC B-LOC")]
    [InlineData("O", "O")]
    public void TagSchemeConverter_ValidBioes_GivesIob2(string bioes, string iob2) =>
        Assert.Equal(SeqevalCases.Tags(iob2), TagSchemeConverter.ToIob2(SeqevalCases.Tags(bioes), TagScheme.Bioes));

    // Fragments seqeval's strict BIOES rules reject (no E-, an orphan I- or E-, a type change) become O.
    [Theory]
    [InlineData("B-PER I-PER O S-LOC", "O O O B-LOC")]
    [InlineData("I-PER E-PER", "O O")]
    [InlineData("B-PER E-ORG", "O O")]
    [InlineData("B-PER I-PER", "O O")]
    public void TagSchemeConverter_InvalidBioes_KeepsWhatSeqevalStrictCounts(string bioes, string iob2) =>
        Assert.Equal(SeqevalCases.Tags(iob2), TagSchemeConverter.ToIob2(SeqevalCases.Tags(bioes), TagScheme.Bioes));

    [Fact]
    public void TagSchemeConverter_Iob2WithOrphanInside_ReturnsItUnchanged()
    {
        string[] tags = ["O", "I-PER", "B-LOC", "I-ORG"];

        Assert.Equal(tags, TagSchemeConverter.ToIob2(tags, TagScheme.Iob2));
    }

    [Theory]
    [InlineData(TagScheme.Iob1)]
    [InlineData(TagScheme.Bioes)]
    public void TagSchemeConverter_EveryShortSequence_Iob2HoldsSeqevalStrictEntitiesOfSource(TagScheme scheme)
    {
        foreach (var @case in SeqevalCases.All.Where(c => c.Strict(scheme) != "!"))
        {
            string[] iob2 = TagSchemeConverter.ToIob2(@case.Tags, scheme);
            var parsed = EntityTag.ParseSentence(iob2, TagScheme.Iob2, "converted", 0);

            // Valid IOB2 out, so strict and default mode agree on it.
            var expected = SeqevalCases.Entities(@case.Strict(scheme));
            Assert.Equal(expected, StrictEntityDecoder.Decode(parsed, TagScheme.Iob2));
            Assert.Equal(expected, ConllevalEntityDecoder.Decode(parsed));
        }
    }

    [Fact]
    public void TagSchemeConverter_UnknownTag_ErrorNamesTagSentenceAndPosition()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TagSchemeConverter.ToIob2(["O", "S-PER", "X"], TagScheme.Bioes, "train.tsv", 12));

        Assert.Equal("train.tsv, sentence 12, token 2 (both 0-based): tag \"X\" is not O nor a prefix (B, I, E or S), a hyphen and an entity type, e.g. B-PER.", error.Message);
    }
}
