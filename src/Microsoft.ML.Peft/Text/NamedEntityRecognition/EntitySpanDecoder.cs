// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Turns the predicted tags of a raw text's words into entity spans over the original string. Entities are read with seqeval's
/// default mode (<see cref="ConllevalEntityDecoder"/>), which any of IOB1, IOB2 or BIOES tags go through and which, like Hugging
/// Face's token-classification pipeline, lets an <c>I-X</c> without a <c>B-X</c> start an entity rather than lose the words.
/// A span runs from its first word's start to its last word's end; its score is the mean of its words' probabilities, as the
/// pipeline's <c>aggregation_strategy="first"</c> scores an entity (each word scored at its first sub-token, then averaged).
/// </summary>
internal static class EntitySpanDecoder
{
    /// <param name="words">The text's words with their offsets.</param>
    /// <param name="predictions">One prediction per word.</param>
    /// <param name="tags">The parsed tag of each zero-based tag index.</param>
    internal static EntitySpans Decode(IReadOnlyList<WordSpan> words, IReadOnlyList<WordPrediction> predictions, IReadOnlyList<EntityTag> tags)
    {
        if (words.Count != predictions.Count)
        {
            throw new ArgumentException($"The text has {words.Count} words but {predictions.Count} predictions were given.", nameof(predictions));
        }

        var entities = ConllevalEntityDecoder.Decode(predictions.Select(p => tags[p.Tag]).ToArray());
        if (entities.Count == 0)
        {
            return EntitySpans.None;
        }

        var starts = new int[entities.Count];
        var lengths = new int[entities.Count];
        var types = new string[entities.Count];
        var scores = new float[entities.Count];
        for (int e = 0; e < entities.Count; e++)
        {
            var entity = entities[e];
            starts[e] = words[entity.Start].Start;
            lengths[e] = words[entity.End - 1].End - starts[e];
            types[e] = entity.Type;
            double sum = 0;
            for (int w = entity.Start; w < entity.End; w++)
            {
                sum += predictions[w].Probability;
            }

            scores[e] = (float)(sum / (entity.End - entity.Start));
        }

        return new EntitySpans(starts, lengths, types, scores);
    }

    /// <summary>
    /// Parses the tag names a tagger was trained with; any prefix (B, I, E, S) is accepted, so IOB1, IOB2 and BIOES taggers all
    /// give spans.
    /// </summary>
    /// <exception cref="InvalidOperationException">A name is not <c>O</c> nor a prefix, a hyphen and a type.</exception>
    internal static EntityTag[] ParseTagNames(IReadOnlyList<string> names, string textColumn)
    {
        var tags = new EntityTag[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (!EntityTag.TryParse(names[i], TagScheme.Bioes, out tags[i], out string error))
            {
                throw new InvalidOperationException(
                    $"Entity spans for text column '{textColumn}' need tags of the form O, B-X, I-X (or E-X, S-X); {error}. Rename the tags, or leave TextColumnName null to predict tags only.");
            }
        }

        return tags;
    }
}
