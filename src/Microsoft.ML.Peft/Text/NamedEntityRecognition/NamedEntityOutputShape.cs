// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>The estimator's output <see cref="SchemaShape"/> (predicted tags, and entity spans for raw text), produced by ML.NET itself as the text classifier's is (see TextClassifierOutputShape).</summary>
internal static class NamedEntityOutputShape
{
    internal static SchemaShape Create(MLContext context, SchemaShape inputSchema, NamedEntityColumns columns, bool hasKeyValues, bool withSpans)
    {
        var definition = SchemaDefinition.Create(withSpans ? typeof(SpanPredictionColumns) : typeof(PredictionColumns), SchemaDefinition.Direction.Write);
        var tags = definition[nameof(PredictionColumns.PredictedTags)];
        tags.ColumnName = columns.PredictedTagsColumn;
        tags.ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), 2));
        if (hasKeyValues)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(2, new[] { "O".AsMemory(), "B".AsMemory() });
            tags.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, 2));
        }

        return withSpans
            ? context.Transforms.CustomMapping<NoColumns, SpanPredictionColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema)
            : context.Transforms.CustomMapping<NoColumns, PredictionColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition).GetOutputSchema(inputSchema);
    }

    private sealed class NoColumns
    {
    }

    private class PredictionColumns
    {
        public uint[] PredictedTags { get; set; } = Array.Empty<uint>();
    }

    // The order of the properties is the order of the columns, as the transformer adds them (NamedEntityColumns.SpanColumns).
    private sealed class SpanPredictionColumns : PredictionColumns
    {
        public int[] EntityStarts { get; set; } = Array.Empty<int>();

        public int[] EntityLengths { get; set; } = Array.Empty<int>();

        public string[] EntityTypes { get; set; } = Array.Empty<string>();

        public float[] EntityScores { get; set; } = Array.Empty<float>();
    }
}
