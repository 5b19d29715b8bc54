// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class StrictEntityDecoderTests
{
    // seqeval tests/test_scheme.py, test_iob2_tokens, transcribed case for case.
    [Theory]
    [InlineData("", "-")]
    [InlineData("B-PER", "PER:0-1")]
    [InlineData("I-PER", "-")]
    [InlineData("O", "-")]
    [InlineData("O I-PER", "-")]
    [InlineData("O B-PER", "PER:1-2")]
    [InlineData("I-PER O", "-")]
    [InlineData("I-PER I-PER", "-")]
    [InlineData("I-PER I-ORG", "-")]
    [InlineData("I-PER B-PER", "PER:1-2")]
    [InlineData("I-PER B-ORG", "ORG:1-2")]
    [InlineData("B-PER O", "PER:0-1")]
    [InlineData("B-PER I-PER", "PER:0-2")]
    [InlineData("B-PER I-ORG", "PER:0-1")]
    [InlineData("B-PER B-PER", "PER:0-1 PER:1-2")]
    [InlineData("B-PER B-ORG", "PER:0-1 ORG:1-2")]
    public void StrictEntityDecoder_SeqevalIob2TokensCase_MatchesSeqeval(string tags, string expected) =>
        AssertDecodes(tags, TagScheme.Iob2, expected);

    // seqeval tests/test_scheme.py, test_iob1_tokens: a B-X only separates two X entities, so one that does not is dropped.
    [Theory]
    [InlineData("", "-")]
    [InlineData("B-PER", "-")]
    [InlineData("I-PER", "PER:0-1")]
    [InlineData("O", "-")]
    [InlineData("O I-PER", "PER:1-2")]
    [InlineData("O B-PER", "-")]
    [InlineData("I-PER O", "PER:0-1")]
    [InlineData("I-PER I-PER", "PER:0-2")]
    [InlineData("I-PER I-ORG", "PER:0-1 ORG:1-2")]
    [InlineData("I-PER B-PER", "PER:0-1 PER:1-2")]
    [InlineData("I-PER B-ORG", "PER:0-1")]
    [InlineData("B-PER O", "-")]
    [InlineData("B-PER I-PER", "PER:1-2")]
    [InlineData("B-PER I-ORG", "ORG:1-2")]
    [InlineData("B-PER B-PER", "PER:1-2")]
    [InlineData("B-PER B-ORG", "-")]
    public void StrictEntityDecoder_SeqevalIob1TokensCase_MatchesSeqeval(string tags, string expected) =>
        AssertDecodes(tags, TagScheme.Iob1, expected);

    // seqeval tests/test_scheme.py, test_iobes_tokens: an entity needs its E- (or is one S-).
    [Theory]
    [InlineData("O", "-")]
    [InlineData("I-PER", "-")]
    [InlineData("B-PER", "-")]
    [InlineData("E-PER", "-")]
    [InlineData("S-PER", "PER:0-1")]
    [InlineData("O S-PER", "PER:1-2")]
    [InlineData("I-PER E-PER", "-")]
    [InlineData("I-PER S-PER", "PER:1-2")]
    [InlineData("B-PER O", "-")]
    [InlineData("B-PER I-PER", "-")]
    [InlineData("B-PER B-PER", "-")]
    [InlineData("B-PER E-PER", "PER:0-2")]
    [InlineData("B-PER E-ORG", "-")]
    [InlineData("B-PER S-PER", "PER:1-2")]
    [InlineData("E-PER S-PER", "PER:1-2")]
    [InlineData("S-PER O", "PER:0-1")]
    [InlineData("S-PER I-PER", "PER:0-1")]
    [InlineData("S-PER E-PER", "PER:0-1")]
    [InlineData("S-PER S-PER", "PER:0-1 PER:1-2")]
    public void StrictEntityDecoder_SeqevalIobesTokensCase_MatchesSeqeval(string tags, string expected) =>
        AssertDecodes(tags, TagScheme.Bioes, expected);

    // Hand-computed: the cases the issue names, at sentence ends and inside longer runs.
    [Theory]
    [InlineData("I-PER I-PER O B-LOC", "LOC:3-4")]
    [InlineData("B-PER I-LOC I-LOC", "PER:0-1")]
    [InlineData("B-PER I-PER I-LOC B-LOC", "PER:0-2 LOC:3-4")]
    [InlineData("O O B-MISC I-MISC I-MISC", "MISC:2-5")]
    [InlineData("O O O", "-")]
    [InlineData("B-ORG-COMPANY I-ORG-COMPANY", "ORG-COMPANY:0-2")]
    public void StrictEntityDecoder_Iob2HandCase_GivesHandComputedEntities(string tags, string expected) =>
        AssertDecodes(tags, TagScheme.Iob2, expected);

    [Theory]
    [InlineData(TagScheme.Iob1)]
    [InlineData(TagScheme.Iob2)]
    [InlineData(TagScheme.Bioes)]
    public void StrictEntityDecoder_EveryShortSequence_MatchesSeqevalStrictMode(TagScheme scheme)
    {
        int compared = 0;
        foreach (var @case in SeqevalCases.All.Where(c => c.Strict(scheme) != "!"))
        {
            Assert.True(
                SeqevalCases.Entities(@case.Strict(scheme)).SequenceEqual(StrictEntityDecoder.Decode(SeqevalCases.Parse(@case.Tags), scheme)),
                $"{@case}: seqeval {@case.Strict(scheme)}, got {string.Join(' ', StrictEntityDecoder.Decode(SeqevalCases.Parse(@case.Tags), scheme))}");
            compared++;
        }

        Assert.Equal(scheme == TagScheme.Bioes ? 819 : 155, compared);
    }

    private static void AssertDecodes(string tags, TagScheme scheme, string expected) =>
        Assert.Equal(SeqevalCases.Entities(expected), StrictEntityDecoder.Decode(SeqevalCases.Parse(SeqevalCases.Tags(tags)), scheme));
}
