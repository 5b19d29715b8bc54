// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The columns a classifier adds, with the annotations ML.NET's scorers attach. A key label gives the multiclass columns:
/// <c>Score</c> (vector of class probabilities, slot names = the label's key values) and <c>PredictedLabel</c> (a key carrying
/// the label's key values). A Boolean label gives a binary trainer's columns: <c>Score</c> (the margin), <c>Probability</c>
/// (P(true)) and <c>PredictedLabel</c> (Boolean), in that order.
/// </summary>
internal static class ScoreColumns
{
    /// <summary>Adds the classifier's columns for <paramref name="label"/> to <paramref name="builder"/>.</summary>
    internal static void Add(DataViewSchema.Builder builder, ClassifierOutputColumns columns, ClassifierLabel label)
    {
        if (label.IsBinary)
        {
            AddBinary(builder, columns);
        }
        else
        {
            AddMulticlass(builder, columns, label.ClassCount, label.KeyValues);
        }
    }

    private static void AddMulticlass(DataViewSchema.Builder builder, ClassifierOutputColumns columns, int classCount, LabelKeyValues? keyValues)
    {
        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        if (keyValues is not null)
        {
            var names = keyValues.Names().Select(n => n.AsMemory()).ToArray();
            scoreAnnotations.Add(ScoreAnnotations.SlotNames, new VectorDataViewType(TextDataViewType.Instance, names.Length), (ref VBuffer<ReadOnlyMemory<char>> destination) => destination = new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        }

        // What ML.NET's multiclass scorers attach, so its evaluators and tools read the column as multiclass scores.
        AddKinds(scoreAnnotations, ScoreAnnotations.MulticlassKind, ScoreAnnotations.ScoreValue);
        builder.AddColumn(columns.Score, new VectorDataViewType(NumberDataViewType.Single, classCount), scoreAnnotations.ToAnnotations());

        var labelAnnotations = new DataViewSchema.Annotations.Builder();
        keyValues?.AddTo(labelAnnotations);
        builder.AddColumn(columns.PredictedLabel, new KeyDataViewType(typeof(uint), classCount), labelAnnotations.ToAnnotations());
    }

    // What ML.NET's binary scorer attaches to each of its three columns (the probability is also marked normalized). Its
    // ScoreColumnSetId is left out: ML.NET numbers the score sets of its own scorers with it, a counter it keeps internal.
    private static void AddBinary(DataViewSchema.Builder builder, ClassifierOutputColumns columns)
    {
        var score = new DataViewSchema.Annotations.Builder();
        AddKinds(score, ScoreAnnotations.BinaryKind, ScoreAnnotations.ScoreValue);
        builder.AddColumn(columns.Score, NumberDataViewType.Single, score.ToAnnotations());

        var probability = new DataViewSchema.Annotations.Builder();
        probability.Add(ScoreAnnotations.IsNormalized, BooleanDataViewType.Instance, (ref bool v) => v = true);
        AddKinds(probability, ScoreAnnotations.BinaryKind, ScoreAnnotations.ProbabilityValue);
        builder.AddColumn(columns.Probability, NumberDataViewType.Single, probability.ToAnnotations());

        var predicted = new DataViewSchema.Annotations.Builder();
        AddKinds(predicted, ScoreAnnotations.BinaryKind, ScoreAnnotations.PredictedLabelValue);
        builder.AddColumn(columns.PredictedLabel, BooleanDataViewType.Instance, predicted.ToAnnotations());
    }

    private static void AddKinds(DataViewSchema.Annotations.Builder builder, string columnKind, string valueKind)
    {
        builder.Add(ScoreAnnotations.ScoreColumnKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = columnKind.AsMemory());
        builder.Add(ScoreAnnotations.ScoreValueKind, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = valueKind.AsMemory());
    }
}
