// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The two columns a classifier adds, with the annotations ML.NET's multiclass scorers attach: <c>Score</c> (vector of class
/// probabilities, slot names = the label's key values) and <c>PredictedLabel</c> (a key carrying the label's key values).
/// </summary>
internal static class ScoreColumns
{
    // ML.NET's annotation kind names (its AnnotationUtils, which holds them, is internal).
    private const string ScoreColumnKindAnnotation = "ScoreColumnKind";
    private const string ScoreValueKindAnnotation = "ScoreValueKind";
    private const string SlotNamesAnnotation = "SlotNames";

    /// <summary>Adds <paramref name="scoreColumn"/> and then <paramref name="predictedLabelColumn"/> to <paramref name="builder"/>.</summary>
    internal static void Add(DataViewSchema.Builder builder, string scoreColumn, string predictedLabelColumn, int classCount, LabelKeyValues? keyValues)
    {
        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        if (keyValues is not null)
        {
            var names = keyValues.Names().Select(n => n.AsMemory()).ToArray();
            scoreAnnotations.Add(SlotNamesAnnotation, new VectorDataViewType(TextDataViewType.Instance, names.Length), (ref VBuffer<ReadOnlyMemory<char>> destination) => destination = new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        }

        // What ML.NET's multiclass scorers attach, so its evaluators and tools read the column as multiclass scores.
        scoreAnnotations.Add(ScoreColumnKindAnnotation, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "MulticlassClassification".AsMemory());
        scoreAnnotations.Add(ScoreValueKindAnnotation, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "Score".AsMemory());
        builder.AddColumn(scoreColumn, new VectorDataViewType(NumberDataViewType.Single, classCount), scoreAnnotations.ToAnnotations());

        var labelAnnotations = new DataViewSchema.Annotations.Builder();
        keyValues?.AddTo(labelAnnotations);
        builder.AddColumn(predictedLabelColumn, new KeyDataViewType(typeof(uint), classCount), labelAnnotations.ToAnnotations());
    }
}
