// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The schema shape of an estimator that adds one known-size vector of <see cref="float"/> (a text embedding). ML.NET's
/// <c>SchemaShape.Column</c> constructor is internal, so the shape comes from a <c>CustomMapping</c> that declares the column,
/// as <see cref="ScoreColumnsShape"/> does for the classifier columns.
/// </summary>
internal static class VectorColumnShape
{
    internal static SchemaShape Add(MLContext context, SchemaShape inputSchema, string columnName, int size)
    {
        var definition = SchemaDefinition.Create(typeof(VectorColumn), SchemaDefinition.Direction.Write);
        var column = definition[nameof(VectorColumn.Vector)];
        column.ColumnName = columnName;
        column.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return context.Transforms.CustomMapping<NoColumns, VectorColumn>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private sealed class NoColumns
    {
    }

    private sealed class VectorColumn
    {
        public float[] Vector { get; set; } = Array.Empty<float>();
    }
}
