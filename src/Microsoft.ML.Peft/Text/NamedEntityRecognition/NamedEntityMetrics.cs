// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections.ObjectModel;

namespace Microsoft.ML.Peft;

/// <summary>
/// Entity-level precision, recall and F1 of a tagger, as seqeval computes them, from
/// <see cref="NamedEntityRecognitionCatalog.EvaluateNamedEntities"/>.
/// </summary>
/// <remarks>
/// <para>
/// An entity is a type and a span of tokens; a predicted entity counts as correct only when the gold data has an entity of
/// the same type over exactly the same tokens. How tags become entities depends on the mode the metrics were computed in:
/// strict (seqeval's <c>mode="strict"</c>) or default (seqeval's default, conlleval-compatible); see
/// <see cref="NamedEntityRecognitionCatalog.EvaluateNamedEntities"/>.
/// </para>
/// <para>
/// Zero divisions give 0, as seqeval's default <c>zero_division</c>: precision when nothing was predicted, recall when the
/// gold data has no entity, F1 when both are 0.
/// </para>
/// </remarks>
public sealed class NamedEntityMetrics
{
    internal NamedEntityMetrics(IEnumerable<KeyValuePair<string, EntityTypeMetrics>> perType)
    {
        var sorted = new SortedDictionary<string, EntityTypeMetrics>(StringComparer.Ordinal);
        foreach (var (type, metrics) in perType)
        {
            sorted.Add(type, metrics);
        }

        PerType = new ReadOnlyDictionary<string, EntityTypeMetrics>(sorted);
        TruePositiveCount = sorted.Values.Sum(m => m.TruePositiveCount);
        PredictedCount = sorted.Values.Sum(m => m.PredictedCount);
        Support = sorted.Values.Sum(m => m.Support);
        (MicroPrecision, MicroRecall, MicroF1) = EntityTypeMetrics.Score(TruePositiveCount, PredictedCount, Support);

        // seqeval averages over the types found in the gold data or the predictions; with none it returns NaN, which
        // would poison a sum of results, so this gives 0 as the micro scores do.
        MacroF1 = sorted.Count == 0 ? 0.0 : sorted.Values.Sum(m => m.F1) / sorted.Count;
    }

    /// <summary>Correct predicted entities / predicted entities, over all types (seqeval's <c>average="micro"</c>).</summary>
    public double MicroPrecision { get; }

    /// <summary>Correct predicted entities / gold entities, over all types.</summary>
    public double MicroRecall { get; }

    /// <summary>The harmonic mean of <see cref="MicroPrecision"/> and <see cref="MicroRecall"/>: the usual NER F1.</summary>
    public double MicroF1 { get; }

    /// <summary>
    /// The unweighted mean of the per-type F1 over the types in <see cref="PerType"/> (seqeval's <c>average="macro"</c>);
    /// 0 when there are no entities at all, where seqeval gives NaN.
    /// </summary>
    public double MacroF1 { get; }

    /// <summary>Predicted entities that match a gold entity exactly.</summary>
    public int TruePositiveCount { get; }

    /// <summary>Predicted entities.</summary>
    public int PredictedCount { get; }

    /// <summary>Gold entities.</summary>
    public int Support { get; }

    /// <summary>
    /// The metrics of each entity type found in the gold data or the predictions, in ordinal order of the type names
    /// (seqeval's report order).
    /// </summary>
    public IReadOnlyDictionary<string, EntityTypeMetrics> PerType { get; }
}
