// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>The estimator's output <see cref="SchemaShape"/>, produced by ML.NET itself as the text classifier's is (see TextClassifierOutputShape).</summary>
internal static class NamedEntityOutputShape
{
    internal static SchemaShape Create(MLContext context, SchemaShape inputSchema, NamedEntityColumns columns, bool hasKeyValues)
    {
        var definition = SchemaDefinition.Create(typeof(PredictionColumns), SchemaDefinition.Direction.Write);
        var tags = definition[nameof(PredictionColumns.PredictedTags)];
        tags.ColumnName = columns.PredictedTagsColumn;
        tags.ColumnType = new VectorDataViewType(new KeyDataViewType(typeof(uint), 2));
        if (hasKeyValues)
        {
            var names = new VBuffer<ReadOnlyMemory<char>>(2, new[] { "O".AsMemory(), "B".AsMemory() });
            tags.AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, 2));
        }

        return context.Transforms.CustomMapping<NoColumns, PredictionColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private sealed class NoColumns
    {
    }

    private sealed class PredictionColumns
    {
        public uint[] PredictedTags { get; set; } = Array.Empty<uint>();
    }
}
