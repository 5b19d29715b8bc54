// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>A checked key column a task learns from (a label, or a vector of tags): the column, its number of classes and their key values.</summary>
/// <param name="Column">The key column, or the vector of keys.</param>
/// <param name="Count">The number of classes (key values).</param>
/// <param name="KeyValues">The key values, carried onto the predictions and saved with the model; null when the column has none.</param>
internal sealed record ClassColumn(DataViewSchema.Column Column, int Count, LabelKeyValues? KeyValues)
{
    /// <summary>The classes of <paramref name="column"/>, a key or a vector of keys already checked (e.g. by <see cref="SchemaErrors.FindClassifierLabel(DataViewSchema, string)"/>).</summary>
    internal static ClassColumn Of(DataViewSchema.Column column)
    {
        var key = (KeyDataViewType)(column.Type is VectorDataViewType vector ? vector.ItemType : column.Type);
        return new ClassColumn(column, (int)key.Count, LabelKeyValues.FromColumn(column));
    }
}
