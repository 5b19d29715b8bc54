// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

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

    /// <summary>
    /// A classifier's label column: a key with at least two values (multiclass) or a Boolean (binary). The label's type chooses
    /// the output, as ML.NET's multiclass and binary trainers each expect theirs.
    /// </summary>
    internal static DataViewSchema.Column FindClassifierLabel(DataViewSchema schema, string columnName)
    {
        var column = Find(schema, "Label", columnName);
        if (column.Type is BooleanDataViewType)
        {
            return column;
        }

        if (column.Type is not KeyDataViewType key)
        {
            throw LabelTypeMismatch("inputSchema", columnName, column.Type.ToString()!);
        }

        if (key.Count < 2 || key.Count > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Label column '{columnName}' is a key with {key.Count} value(s); a classifier needs at least two classes.");
        }

        return column;
    }

    /// <summary>Finds <paramref name="columnName"/> in an estimator's input shape or throws naming its role and the columns that exist.</summary>
    internal static SchemaShape.Column Find(SchemaShape schema, string role, string columnName) =>
        schema.FirstOrDefault(c => c.Name == columnName) is { Name: not null } column
            ? column
            : throw new ArgumentOutOfRangeException(
                nameof(schema),
                $"{role} column '{columnName}' not found. The data has the columns: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}. Set the {role.ToLowerInvariant()} column name option to one of them.");

    /// <summary>A scalar text column of an estimator's input shape.</summary>
    internal static SchemaShape.Column FindText(SchemaShape schema, string role, string columnName)
    {
        var column = Find(schema, role, columnName);
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(
                nameof(schema),
                $"Schema mismatch for {role.ToLowerInvariant()} column '{columnName}': expected String, got {(column.Kind == SchemaShape.Column.VectorKind.Scalar ? string.Empty : "vector of ")}{column.ItemType}. "
                + "Convert it to text first, e.g. with mlContext.Transforms.Conversion.ConvertType or a custom mapping.");
        }

        return column;
    }

    /// <summary>A classifier's label column of an estimator's input shape: a scalar key or a scalar Boolean.</summary>
    internal static SchemaShape.Column FindClassifierLabel(SchemaShape schema, string columnName)
    {
        var column = Find(schema, "Label", columnName);
        bool scalar = column.Kind == SchemaShape.Column.VectorKind.Scalar;
        if (!scalar || !(column.IsKey || column.ItemType is BooleanDataViewType))
        {
            throw LabelTypeMismatch(nameof(schema), columnName, $"{(scalar ? string.Empty : "vector of ")}{column.ItemType}");
        }

        return column;
    }

    /// <summary>Whether a checked label column of an estimator's input shape is Boolean, so the classifier is binary.</summary>
    internal static bool IsBinaryLabel(SchemaShape.Column label) => label.ItemType is BooleanDataViewType && !label.IsKey;

    /// <summary>Whether a column of an estimator's input shape carries key values, so the output can carry them too.</summary>
    internal static bool HasKeyValues(SchemaShape.Column column) => column.Annotations.Any(a => a.Name == "KeyValues");

    private static ArgumentOutOfRangeException LabelTypeMismatch(string parameter, string columnName, string actual) => new(
        parameter,
        $"Schema mismatch for label column '{columnName}': expected Key (MapValueToKey) for multiclass or Boolean for binary, got {actual}. "
        + $"Add mlContext.Transforms.Conversion.MapValueToKey(\"{columnName}\") before the estimator, or for two classes convert the label to Boolean.");
}
