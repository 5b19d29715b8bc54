// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class EntityTagTests
{
    [Theory]
    [InlineData("O", "O", "")]
    [InlineData("B-PER", "B", "PER")]
    [InlineData("I-Disease", "I", "Disease")]
    [InlineData("I-ORG-COMPANY", "I", "ORG-COMPANY")]
    [InlineData("B-gene_or_protein", "B", "gene_or_protein")]
    [InlineData("B-組織", "B", "組織")]
    public void EntityTag_TryParseIob2Tag_GivesPrefixAndType(string tag, string prefix, string type)
    {
        Assert.True(EntityTag.TryParse(tag, TagScheme.Iob2, out var parsed, out _));
        Assert.Equal(new EntityTag(Enum.Parse<TagPrefix>(prefix), type), parsed);
        Assert.Equal(tag, parsed.ToString());
    }

    [Theory]
    [InlineData("E-PER", "E")]
    [InlineData("S-PER", "S")]
    public void EntityTag_TryParseBioesOnlyPrefix_AcceptedInBioes(string tag, string prefix)
    {
        Assert.True(EntityTag.TryParse(tag, TagScheme.Bioes, out var parsed, out _));
        Assert.Equal(Enum.Parse<TagPrefix>(prefix), parsed.Prefix);
    }

    [Theory]
    [InlineData(TagScheme.Iob1, "E-PER")]
    [InlineData(TagScheme.Iob2, "S-PER")]
    public void EntityTag_TryParseBioesPrefixInIobScheme_ErrorSuggestsBioes(TagScheme scheme, string tag)
    {
        Assert.False(EntityTag.TryParse(tag, scheme, out _, out string error));
        Assert.Contains($"\"{tag}\"", error);
        Assert.Contains(scheme == TagScheme.Iob1 ? "IOB1" : "IOB2", error);
        Assert.Contains("TagScheme.Bioes", error);
    }

    // Stricter than seqeval, which warns and reads "B" as the type "_": a missing or odd type is an error here.
    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("o")]
    [InlineData("B")]
    [InlineData("B-")]
    [InlineData("BPER")]
    [InlineData("b-PER")]
    [InlineData("X-PER")]
    [InlineData("O-PER")]
    [InlineData("PER")]
    public void EntityTag_TryParseMalformedTag_ErrorNamesTag(string? tag)
    {
        Assert.False(EntityTag.TryParse(tag, TagScheme.Bioes, out _, out string error));
        Assert.Contains($"tag \"{tag}\" is not O", error);
    }

    [Theory]
    [InlineData("B--PER")]
    [InlineData("B-PER-")]
    [InlineData("B-PER X")]
    public void EntityTag_TryParseOddType_ErrorNamesType(string tag)
    {
        Assert.False(EntityTag.TryParse(tag, TagScheme.Iob2, out _, out string error));
        Assert.Contains($"entity type \"{tag[2..]}\"", error);
    }

    [Fact]
    public void EntityTag_ParseSentenceBadTag_ErrorNamesSourceSentenceAndPosition()
    {
        var error = Assert.Throws<InvalidOperationException>(() => EntityTag.ParseSentence(["O", "B-PER", "B-"], TagScheme.Iob2, "gold tags", 7));

        Assert.Equal("gold tags, sentence 7, token 2 (both 0-based): tag \"B-\" is not O nor a prefix (B, I, E or S), a hyphen and an entity type, e.g. B-PER.", error.Message);
    }
}
