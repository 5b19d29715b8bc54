// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Entity-level scores of predicted tags against gold tags, sentence by sentence, as seqeval's
/// <c>precision_recall_fscore_support</c>: strict mode with the scheme's rules (<see cref="StrictEntityDecoder"/>) or default
/// mode (<see cref="ConllevalEntityDecoder"/>). Sentences are added one at a time so a data view is read in one pass.
/// </summary>
internal sealed class NamedEntityEvaluator
{
    private readonly TagScheme _scheme;
    private readonly bool _strict;
    private readonly string _goldSource;
    private readonly string _predictedSource;
    private readonly Dictionary<string, (int TruePositives, int Predicted, int Gold)> _counts = new(StringComparer.Ordinal);
    private long _sentences;

    /// <param name="scheme">The scheme of both the gold and the predicted tags.</param>
    /// <param name="strict">seqeval's strict mode when true, its default (conlleval-compatible) mode when false.</param>
    /// <param name="goldSource">What the gold tags are, for messages.</param>
    /// <param name="predictedSource">What the predicted tags are, for messages.</param>
    internal NamedEntityEvaluator(TagScheme scheme, bool strict, string goldSource = "gold tags", string predictedSource = "predicted tags")
    {
        StrictSchemeRules.For(scheme); // throws for a value outside the enum, before any row is read
        _scheme = scheme;
        _strict = strict;
        _goldSource = goldSource;
        _predictedSource = predictedSource;
    }

    /// <summary>Scores <paramref name="predicted"/> against <paramref name="gold"/>, sentence by sentence.</summary>
    /// <exception cref="InvalidOperationException">
    /// The lists differ in length, there is no sentence, a sentence is empty or its tag counts differ, or a tag is malformed
    /// or not of <paramref name="scheme"/>; the message names the sentence and the token.
    /// </exception>
    internal static NamedEntityMetrics Evaluate(IReadOnlyList<IReadOnlyList<string>> gold, IReadOnlyList<IReadOnlyList<string>> predicted, TagScheme scheme, bool strict)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count)
        {
            throw new InvalidOperationException(
                $"The gold tags have {gold.Count} sentence(s) and the predicted tags {predicted.Count}; pass one predicted sentence for each gold sentence, in the same order.");
        }

        var evaluator = new NamedEntityEvaluator(scheme, strict);
        for (int i = 0; i < gold.Count; i++)
        {
            evaluator.Add(gold[i], predicted[i], i);
        }

        return evaluator.GetMetrics();
    }

    /// <summary>Adds one sentence.</summary>
    /// <param name="gold">The sentence's gold tags.</param>
    /// <param name="predicted">Its predicted tags, one per gold tag.</param>
    /// <param name="sentence">Its index (a row number), for messages.</param>
    internal void Add(IReadOnlyList<string> gold, IReadOnlyList<string> predicted, long sentence)
    {
        if (gold.Count != predicted.Count)
        {
            throw new InvalidOperationException(
                $"Sentence {sentence} (0-based) has {gold.Count} {_goldSource} but {predicted.Count} {_predictedSource}; a prediction needs exactly one tag per token. "
                + "Predict the same tokens that were tagged, without subword pieces or padding.");
        }

        if (gold.Count == 0)
        {
            throw new InvalidOperationException(
                $"Sentence {sentence} (0-based) is empty: it has no {_goldSource} and no {_predictedSource}. Remove empty sentences before evaluating (e.g. mlContext.Data.FilterByCustomPredicate).");
        }

        var goldEntities = Decode(EntityTag.ParseSentence(gold, _scheme, _goldSource, sentence));
        var predictedEntities = Decode(EntityTag.ParseSentence(predicted, _scheme, _predictedSource, sentence));

        // Neither decoder yields overlapping entities, so a sentence holds no duplicate and set intersection is a count.
        var goldSet = new HashSet<Entity>(goldEntities);
        foreach (var entity in goldEntities)
        {
            Count(entity.Type, truePositives: 0, predicted: 0, gold: 1);
        }

        foreach (var entity in predictedEntities)
        {
            Count(entity.Type, truePositives: goldSet.Contains(entity) ? 1 : 0, predicted: 1, gold: 0);
        }

        _sentences++;
    }

    /// <summary>The scores of the sentences added so far.</summary>
    /// <exception cref="InvalidOperationException">No sentence was added.</exception>
    internal NamedEntityMetrics GetMetrics()
    {
        if (_sentences == 0)
        {
            throw new InvalidOperationException($"There are no sentences to evaluate: the {_goldSource} are empty. Evaluate data that has at least one tagged sentence.");
        }

        return new NamedEntityMetrics(_counts.Select(p => KeyValuePair.Create(p.Key, new EntityTypeMetrics(p.Value.TruePositives, p.Value.Predicted, p.Value.Gold))));
    }

    private List<Entity> Decode(EntityTag[] tags) => _strict ? StrictEntityDecoder.Decode(tags, _scheme) : ConllevalEntityDecoder.Decode(tags);

    private void Count(string type, int truePositives, int predicted, int gold)
    {
        var (t, p, g) = _counts.GetValueOrDefault(type);
        _counts[type] = (t + truePositives, p + predicted, g + gold);
    }
}
