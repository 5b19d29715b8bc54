// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Normalises tags of any <see cref="TagScheme"/> to IOB2 (BIO), the scheme the taggers train on and predict.
/// </summary>
/// <remarks>
/// IOB1 and BIOES sentences are decoded with seqeval's strict rules for their scheme and written back as <c>B-X I-X…</c>,
/// so the result holds exactly the entities seqeval's strict mode counts in the original; the tokens of an invalid
/// fragment (a BIOES <c>B-X I-X</c> with no <c>E-X</c>, an IOB1 <c>B-X</c> after <c>O</c>) become <c>O</c>. IOB2 is already
/// the target: it is validated and returned unchanged, orphan <c>I-X</c> included, so both evaluation modes still see it.
/// </remarks>
internal static class TagSchemeConverter
{
    /// <summary>The sentence in IOB2.</summary>
    /// <param name="tags">One sentence's tags in <paramref name="scheme"/>.</param>
    /// <param name="scheme">The scheme of <paramref name="tags"/>.</param>
    /// <param name="source">What the tags are, for messages ("gold tags", a file name).</param>
    /// <param name="sentence">The sentence's index, for messages.</param>
    /// <exception cref="InvalidOperationException">A tag is malformed or not of <paramref name="scheme"/>; the message names it, the sentence and the position.</exception>
    internal static string[] ToIob2(IReadOnlyList<string> tags, TagScheme scheme, string source = "tags", long sentence = 0)
    {
        var parsed = EntityTag.ParseSentence(tags, scheme, source, sentence);
        return scheme == TagScheme.Iob2 ? tags.ToArray() : ToIob2(parsed, scheme);
    }

    /// <summary>Already parsed tags (see <see cref="EntityTag.ParseSentence"/>) in IOB2.</summary>
    internal static string[] ToIob2(IReadOnlyList<EntityTag> tags, TagScheme scheme)
    {
        if (scheme == TagScheme.Iob2)
        {
            return tags.Select(t => t.ToString()).ToArray();
        }

        var iob2 = new string[tags.Count];
        Array.Fill(iob2, "O");
        foreach (var entity in StrictEntityDecoder.Decode(tags, scheme))
        {
            iob2[entity.Start] = "B-" + entity.Type;
            for (int i = entity.Start + 1; i < entity.End; i++)
            {
                iob2[i] = "I-" + entity.Type;
            }
        }

        return iob2;
    }
}
