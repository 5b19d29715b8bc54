// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// seqeval's default mode (<c>seqeval.metrics.sequence_labeling.get_entities</c>, the one Hugging Face's <c>run_ner</c> and
/// the <c>evaluate</c> seqeval metric report), which counts IOB chunks as conlleval.pl does. It is lenient where strict mode
/// drops tokens: an <c>I-X</c> after <c>O</c>, at the sentence start or after another type starts an entity, and a
/// <c>B-X I-X</c> run missing its BIOES <c>E-X</c> still counts. Any prefix is read whatever the scheme.
/// </summary>
internal static class ConllevalEntityDecoder
{
    // get_entities gives O the type "_", and the state before the first token is ('O', "").
    private const string OutsideType = "_";

    /// <summary>The entities of one sentence, in order.</summary>
    internal static List<Entity> Decode(IReadOnlyList<EntityTag> tags)
    {
        var entities = new List<Entity>();
        var previousTag = TagPrefix.O;
        string previousType = string.Empty;
        int begin = 0;

        // As get_entities, which appends O to every sentence: the last entity ends at the sentinel.
        for (int i = 0; i <= tags.Count; i++)
        {
            var (tag, type) = i < tags.Count && !tags[i].IsOutside ? (tags[i].Prefix, tags[i].Type) : (TagPrefix.O, OutsideType);
            if (IsEndOfChunk(previousTag, tag, previousType, type))
            {
                entities.Add(new Entity(previousType, begin, i));
            }

            if (IsStartOfChunk(previousTag, tag, previousType, type))
            {
                begin = i;
            }

            previousTag = tag;
            previousType = type;
        }

        return entities;
    }

    // seqeval's end_of_chunk, clause for clause.
    private static bool IsEndOfChunk(TagPrefix previousTag, TagPrefix tag, string previousType, string type) =>
        previousTag is TagPrefix.E or TagPrefix.S
        || (previousTag is TagPrefix.B or TagPrefix.I && tag is TagPrefix.B or TagPrefix.S or TagPrefix.O)
        || (previousTag != TagPrefix.O && !string.Equals(previousType, type, StringComparison.Ordinal));

    // seqeval's start_of_chunk, clause for clause.
    private static bool IsStartOfChunk(TagPrefix previousTag, TagPrefix tag, string previousType, string type) =>
        tag is TagPrefix.B or TagPrefix.S
        || (previousTag is TagPrefix.E or TagPrefix.S or TagPrefix.O && tag is TagPrefix.E or TagPrefix.I)
        || (tag != TagPrefix.O && !string.Equals(previousType, type, StringComparison.Ordinal));
}
