// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// A classifying estimator's output <see cref="SchemaShape"/>: the input plus the columns of <see cref="ScoreColumns"/>, the
/// multiclass pair for a key label or the binary triple for a Boolean one. ML.NET keeps <c>SchemaShape.Column</c>'s
/// constructor internal, so the shape is produced by ML.NET itself: a custom-mapping estimator whose output schema definition
/// declares exactly the columns the transformer adds (names, types, annotations). Its mapping action is never run.
/// </summary>
internal static class ScoreColumnsShape
{
    /// <summary>The output shape for the label column <paramref name="label"/>, checked by <see cref="SchemaErrors.FindClassifierLabel(SchemaShape, string)"/>.</summary>
    internal static SchemaShape Create(MLContext context, SchemaShape inputSchema, ClassifierOutputColumns columns, SchemaShape.Column label) =>
        SchemaErrors.IsBinaryLabel(label)
            ? Binary(context, inputSchema, columns)
            : Multiclass(context, inputSchema, columns, SchemaErrors.HasKeyValues(label));

    private static SchemaShape Multiclass(MLContext context, SchemaShape inputSchema, ClassifierOutputColumns columns, bool hasKeyValues)
    {
        var definition = SchemaDefinition.Create(typeof(MulticlassColumns), SchemaDefinition.Direction.Write);
        var score = definition[nameof(MulticlassColumns.Score)];
        score.ColumnName = columns.Score;
        score.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        var predicted = definition[nameof(MulticlassColumns.PredictedLabel)];
        predicted.ColumnName = columns.PredictedLabel;
        predicted.ColumnType = new KeyDataViewType(typeof(uint), 2);
        if (hasKeyValues)
        {
            // Only the annotation's presence and type reach a shape; the values come from the label column at fit time.
            var names = new VBuffer<ReadOnlyMemory<char>>(2, new[] { "a".AsMemory(), "b".AsMemory() });
            score.AddAnnotation(ScoreAnnotations.SlotNames, names, new VectorDataViewType(TextDataViewType.Instance, 2));
            predicted.AddAnnotation(ScoreAnnotations.KeyValues, names, new VectorDataViewType(TextDataViewType.Instance, 2));
        }

        return context.Transforms.CustomMapping<NoColumns, MulticlassColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private static SchemaShape Binary(MLContext context, SchemaShape inputSchema, ClassifierOutputColumns columns)
    {
        var definition = SchemaDefinition.Create(typeof(BinaryColumns), SchemaDefinition.Direction.Write);
        var score = definition[nameof(BinaryColumns.Score)];
        score.ColumnName = columns.Score;
        AddKinds(score, ScoreAnnotations.ScoreValue);
        var probability = definition[nameof(BinaryColumns.Probability)];
        probability.ColumnName = columns.Probability;
        probability.AddAnnotation(ScoreAnnotations.IsNormalized, true, BooleanDataViewType.Instance);
        AddKinds(probability, ScoreAnnotations.ProbabilityValue);
        var predicted = definition[nameof(BinaryColumns.PredictedLabel)];
        predicted.ColumnName = columns.PredictedLabel;
        AddKinds(predicted, ScoreAnnotations.PredictedLabelValue);

        return context.Transforms.CustomMapping<NoColumns, BinaryColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private static void AddKinds(SchemaDefinition.Column column, string valueKind)
    {
        column.AddAnnotation(ScoreAnnotations.ScoreColumnKind, ScoreAnnotations.BinaryKind.AsMemory(), TextDataViewType.Instance);
        column.AddAnnotation(ScoreAnnotations.ScoreValueKind, valueKind.AsMemory(), TextDataViewType.Instance);
    }

    private sealed class NoColumns
    {
    }

    private sealed class MulticlassColumns
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public uint PredictedLabel { get; set; }
    }

    private sealed class BinaryColumns
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }
}
