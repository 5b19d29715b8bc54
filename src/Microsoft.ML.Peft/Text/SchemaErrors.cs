// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text;

/// <summary>
/// Schema checks shared by estimators and transformers, with ML.NET's wording ("Schema mismatch for label column 'Label':
/// expected Key, got String") and exception type (<see cref="ArgumentOutOfRangeException"/>), plus the fix.
/// </summary>
internal static class SchemaErrors
{
    /// <summary>Finds <paramref name="columnName"/> or throws naming its role and the columns that exist.</summary>
    internal static DataViewSchema.Column Find(DataViewSchema schema, string role, string columnName)
    {
        if (schema.GetColumnOrNull(columnName) is { } column)
        {
            return column;
        }

        throw new ArgumentOutOfRangeException(
            "inputSchema",
            $"{role} column '{columnName}' not found. The data has the columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}. "
            + $"Set the {role.ToLowerInvariant()} column name option to one of them.");
    }

    /// <summary>A text (<see cref="TextDataViewType"/>) column.</summary>
    internal static DataViewSchema.Column FindText(DataViewSchema schema, string role, string columnName)
    {
        var column = Find(schema, role, columnName);
        if (column.Type is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Schema mismatch for {role.ToLowerInvariant()} column '{columnName}': expected String, got {column.Type}. "
                + "Convert it to text first, e.g. with mlContext.Transforms.Conversion.ConvertType or a custom mapping.");
        }

        return column;
    }

    /// <summary>A key column with at least two values (classes).</summary>
    internal static DataViewSchema.Column FindLabelKey(DataViewSchema schema, string columnName)
    {
        var column = Find(schema, "Label", columnName);
        if (column.Type is not KeyDataViewType key)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Schema mismatch for label column '{columnName}': expected Key, got {column.Type}. "
                + $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{columnName}\") before the estimator.");
        }

        if (key.Count < 2 || key.Count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Label column '{columnName}' is a key with {key.Count} value(s); a classifier needs at least two classes.");
        }

        return column;
    }
}
