// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// seqeval's strict mode (<c>mode="strict"</c>, <c>seqeval.scheme.Tokens.entities</c>): an entity counts only when the
/// scheme's rules see it start, continue and end. In IOB2 that is <c>B-X</c> followed by any <c>I-X</c>; an <c>I-X</c>
/// that no <c>B-X</c> or <c>I-X</c> precedes starts nothing and is dropped. In BIOES an entity needs its <c>E-X</c>
/// (or is one <c>S-X</c>). In IOB1 a <c>B-X</c> that does not follow an entity of type X is dropped.
/// </summary>
internal static class StrictEntityDecoder
{
    /// <summary>The entities of one sentence, in order.</summary>
    internal static List<Entity> Decode(IReadOnlyList<EntityTag> tags, TagScheme scheme)
    {
        var rules = StrictSchemeRules.For(scheme);

        // As seqeval: a trailing O closes an entity that reaches the end of the sentence.
        var extended = new EntityTag[tags.Count + 1];
        for (int k = 0; k < tags.Count; k++)
        {
            extended[k] = tags[k];
        }

        extended[^1] = EntityTag.Outside;
        var entities = new List<Entity>();
        var previous = EntityTag.Outside;
        int i = 0;
        while (i < extended.Length)
        {
            var token = extended[i];
            if (rules.IsStart(previous, token))
            {
                int end = Forward(rules, extended, i + 1, token);
                if (rules.IsEnd(extended[end - 1], extended[end]))
                {
                    entities.Add(new Entity(token.Type, i, end));
                }

                i = end;
            }
            else
            {
                i++;
            }

            previous = extended[i - 1];
        }

        return entities;
    }

    // seqeval's Tokens._forward: the index of the first token that does not continue the entity. The trailing O never
    // continues one, so the loop always returns from inside.
    private static int Forward(StrictSchemeRules rules, EntityTag[] extended, int start, EntityTag previous)
    {
        for (int i = start; i < extended.Length; i++)
        {
            if (!rules.IsInside(previous, extended[i]))
            {
                return i;
            }

            previous = extended[i];
        }

        return extended.Length - 1;
    }
}
