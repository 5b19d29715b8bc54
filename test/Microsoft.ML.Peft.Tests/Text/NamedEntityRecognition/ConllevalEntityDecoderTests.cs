// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class ConllevalEntityDecoderTests
{
    // seqeval's get_entities docstring and tests/test_metrics.py test_get_entities (its inclusive ends written exclusive).
    [Theory]
    [InlineData("B-PER I-PER O B-LOC", "PER:0-2 LOC:3-4")]
    [InlineData("O O O B-MISC I-MISC I-MISC O B-PER I-PER", "MISC:3-6 PER:7-9")]
    public void ConllevalEntityDecoder_SeqevalGetEntitiesCase_MatchesSeqeval(string tags, string expected) =>
        AssertDecodes(tags, expected);

    // Hand-computed, against conlleval's rules: an I- opens a chunk after O, at the start, or after another type.
    [Theory]
    [InlineData("I-PER I-PER O", "PER:0-2")]
    [InlineData("O I-PER", "PER:1-2")]
    [InlineData("B-PER I-LOC I-LOC", "PER:0-1 LOC:1-3")]
    [InlineData("B-PER B-PER", "PER:0-1 PER:1-2")]
    [InlineData("B-PER B-LOC I-LOC", "PER:0-1 LOC:1-3")]
    [InlineData("O O B-MISC I-MISC I-MISC", "MISC:2-5")]
    [InlineData("O O O", "-")]
    [InlineData("B-PER I-PER O", "PER:0-2")]
    [InlineData("B-PER I-PER E-PER S-LOC", "PER:0-3 LOC:3-4")]
    [InlineData("B-PER I-PER O S-LOC", "PER:0-2 LOC:3-4")]
    [InlineData("E-PER E-PER", "PER:0-1 PER:1-2")]
    public void ConllevalEntityDecoder_HandCase_GivesHandComputedEntities(string tags, string expected) =>
        AssertDecodes(tags, expected);

    [Fact]
    public void ConllevalEntityDecoder_EveryShortSequence_MatchesSeqevalDefaultMode()
    {
        foreach (var @case in SeqevalCases.All)
        {
            var actual = ConllevalEntityDecoder.Decode(SeqevalCases.Parse(@case.Tags));
            Assert.True(SeqevalCases.Entities(@case.Default).SequenceEqual(actual), $"{@case}: seqeval {@case.Default}, got {string.Join(' ', actual)}");
        }

        Assert.Equal(819, SeqevalCases.All.Count);
    }

    private static void AssertDecodes(string tags, string expected) =>
        Assert.Equal(SeqevalCases.Entities(expected), ConllevalEntityDecoder.Decode(SeqevalCases.Parse(SeqevalCases.Tags(tags))));
}
