// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// The columns a text classifier reads and adds, and the output schema built from them; shared by the estimator's
/// <c>GetOutputSchema</c>, the transformer and its data view so all three agree.
/// </summary>
internal sealed record TextClassifierColumns(string TextColumn, string? SecondTextColumn, string ScoreColumn, string PredictedLabelColumn)
{
    // ML.NET's annotation kind names (its AnnotationUtils, which holds them, is internal).
    private const string ScoreColumnKindAnnotation = "ScoreColumnKind";
    private const string ScoreValueKindAnnotation = "ScoreValueKind";
    private const string SlotNamesAnnotation = "SlotNames";

    /// <summary>Checks that the text columns exist and are text.</summary>
    internal void CheckInput(DataViewSchema inputSchema)
    {
        SchemaErrors.FindText(inputSchema, "Text", TextColumn);
        if (SecondTextColumn is not null)
        {
            SchemaErrors.FindText(inputSchema, "Second text", SecondTextColumn);
        }
    }

    /// <summary>The input columns followed by <c>Score</c> (vector of probabilities) and <c>PredictedLabel</c> (key).</summary>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, int labelCount, LabelKeyValues? keyValues)
    {
        CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);

        var scoreAnnotations = new DataViewSchema.Annotations.Builder();
        if (keyValues is not null)
        {
            var names = keyValues.Names().Select(n => n.AsMemory()).ToArray();
            scoreAnnotations.Add(SlotNamesAnnotation, new VectorDataViewType(TextDataViewType.Instance, names.Length), (ref VBuffer<ReadOnlyMemory<char>> destination) => destination = new VBuffer<ReadOnlyMemory<char>>(names.Length, names));
        }

        // What ML.NET's multiclass scorers attach, so its evaluators and tools read the column as multiclass scores.
        scoreAnnotations.Add(ScoreColumnKindAnnotation, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "MulticlassClassification".AsMemory());
        scoreAnnotations.Add(ScoreValueKindAnnotation, TextDataViewType.Instance, (ref ReadOnlyMemory<char> v) => v = "Score".AsMemory());
        builder.AddColumn(ScoreColumn, new VectorDataViewType(NumberDataViewType.Single, labelCount), scoreAnnotations.ToAnnotations());

        var labelAnnotations = new DataViewSchema.Annotations.Builder();
        keyValues?.AddTo(labelAnnotations);
        builder.AddColumn(PredictedLabelColumn, new KeyDataViewType(typeof(uint), labelCount), labelAnnotations.ToAnnotations());
        return builder.ToSchema();
    }
}
