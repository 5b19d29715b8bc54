// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// A classifying estimator's output <see cref="SchemaShape"/>: the input plus <c>Score</c> and <c>PredictedLabel</c>
/// (<see cref="ScoreColumns"/>). ML.NET keeps <c>SchemaShape.Column</c>'s constructor internal, so the shape is produced by
/// ML.NET itself: a custom-mapping estimator whose output schema definition declares exactly the two columns the transformer
/// adds (names, types, annotations). Its mapping action is never run.
/// </summary>
internal static class ScoreColumnsShape
{
    internal static SchemaShape Create(MLContext context, SchemaShape inputSchema, string scoreColumn, string predictedLabelColumn, bool hasKeyValues)
    {
        var definition = SchemaDefinition.Create(typeof(PredictionColumns), SchemaDefinition.Direction.Write);
        var score = definition[nameof(PredictionColumns.Score)];
        score.ColumnName = scoreColumn;
        score.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        var predicted = definition[nameof(PredictionColumns.PredictedLabel)];
        predicted.ColumnName = predictedLabelColumn;
        predicted.ColumnType = new KeyDataViewType(typeof(uint), 2);
        if (hasKeyValues)
        {
            // Only the annotation's presence and type reach a shape; the values come from the label column at fit time.
            var names = new VBuffer<ReadOnlyMemory<char>>(2, new[] { "a".AsMemory(), "b".AsMemory() });
            score.AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, 2));
            predicted.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, 2));
        }

        return context.Transforms.CustomMapping<NoColumns, PredictionColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private sealed class NoColumns
    {
    }

    private sealed class PredictionColumns
    {
        public float[] Score { get; set; } = Array.Empty<float>();

        public uint PredictedLabel { get; set; }
    }
}
