// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>Entity-level precision, recall and F1 of one entity type, as seqeval's per-class report.</summary>
/// <remarks>
/// A predicted entity is correct only when a gold entity of the same type has exactly the same first and last token.
/// As seqeval (with its default <c>zero_division</c>), precision is 0 when nothing of the type was predicted, recall is
/// 0 when the gold data has none, and F1 is 0 when precision and recall are both 0.
/// </remarks>
public sealed class EntityTypeMetrics
{
    internal EntityTypeMetrics(int truePositiveCount, int predictedCount, int support)
    {
        TruePositiveCount = truePositiveCount;
        PredictedCount = predictedCount;
        Support = support;
        (Precision, Recall, F1) = Score(truePositiveCount, predictedCount, support);
    }

    /// <summary>Correct predictions / predicted entities of this type.</summary>
    public double Precision { get; }

    /// <summary>Correct predictions / gold entities of this type.</summary>
    public double Recall { get; }

    /// <summary>The harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
    public double F1 { get; }

    /// <summary>Gold entities of this type (seqeval's support).</summary>
    public int Support { get; }

    /// <summary>Predicted entities of this type that match a gold entity exactly.</summary>
    public int TruePositiveCount { get; }

    /// <summary>Predicted entities of this type.</summary>
    public int PredictedCount { get; }

    /// <summary>seqeval's arithmetic, operation for operation, so the doubles agree to the last bit.</summary>
    internal static (double Precision, double Recall, double F1) Score(int truePositives, int predicted, int gold)
    {
        double precision = predicted == 0 ? 0.0 : (double)truePositives / predicted;
        double recall = gold == 0 ? 0.0 : (double)truePositives / gold;
        double denominator = precision + recall;
        double f1 = denominator == 0.0 ? 0.0 : 2.0 * precision * recall / denominator;
        return (precision, recall, f1);
    }
}
