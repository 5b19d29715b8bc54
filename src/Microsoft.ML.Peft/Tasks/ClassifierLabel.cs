// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// What a classifier's label column made of it: a key label gives a multiclass classifier (its classes and key values), a
/// Boolean label a binary one (two classes, index 0 = false, 1 = true). The network is the same either way; only the label
/// reading and the output columns differ, so the adapter exports alike.
/// </summary>
/// <param name="IsBinary">Whether the label is Boolean and the output ML.NET's binary-classifier columns.</param>
/// <param name="ClassCount">The number of classes (2 when binary).</param>
/// <param name="KeyValues">The key label's key values, carried onto the predictions; null for a Boolean label or a key without them.</param>
internal sealed record ClassifierLabel(bool IsBinary, int ClassCount, LabelKeyValues? KeyValues)
{
    // The stage.json field that records the label's type; archives saved before it existed are multiclass.
    private const string LabelTypeField = "label_type";
    private const string BooleanLabel = "Boolean";
    private const string KeyLabel = "Key";

    /// <summary>The label of a Boolean column: two classes, false then true.</summary>
    internal static ClassifierLabel Binary { get; } = new(IsBinary: true, ClassCount: 2, KeyValues: null);

    /// <summary>The label column <paramref name="columnName"/> of <paramref name="schema"/>, checked by <see cref="SchemaErrors.FindClassifierLabel(DataViewSchema, string)"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or neither a key of two or more values nor a Boolean.</exception>
    internal static ClassifierLabel Of(DataViewSchema schema, string columnName)
    {
        var column = SchemaErrors.FindClassifierLabel(schema, columnName);
        if (column.Type is BooleanDataViewType)
        {
            return Binary;
        }

        var (_, count, keyValues) = ClassColumn.Of(column);
        return new ClassifierLabel(IsBinary: false, count, keyValues);
    }

    /// <summary>The name of class <paramref name="index"/> (0-based) for messages: false/true, the key value, or "class n".</summary>
    internal string ClassName(int index) =>
        IsBinary ? (index == 1 ? "true" : "false") : KeyValues?.Names()[index] ?? $"class {index + 1}";

    /// <summary>
    /// Checks that a validation set's label column is of the training label's kind and, for keys, has as many values, since
    /// the validation loss and metric compare its classes with the network's.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The label is missing, of another kind, or a key of another size.</exception>
    internal void RequireSameIn(DataViewSchema validationSchema, string columnName)
    {
        var validation = Of(validationSchema, columnName);
        if (validation.IsBinary != IsBinary)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationSchema),
                $"The validation set's label column '{columnName}' is {Describe(validation.IsBinary)} but the training data's is {Describe(IsBinary)}. "
                + "Give both the same label type: Boolean for a binary classifier, a key (the same fitted MapValueToKey) for a multiclass one.");
        }

        if (validation.ClassCount != ClassCount)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationSchema),
                $"The validation set's label column '{columnName}' has {validation.ClassCount} key values but the training data's has {ClassCount}. "
                + "Map both with the same fitted MapValueToKey transformer.");
        }
    }

    /// <summary>
    /// A reader of the current row's class index (0-based) from <paramref name="row"/>: false/true as 0/1, a key as its value
    /// minus one. A missing key (0) is refused with the row, because training on it would teach the wrong class.
    /// </summary>
    /// <param name="row">The cursor, whose schema holds <paramref name="column"/>.</param>
    /// <param name="column">The label column, checked by <see cref="Of"/>.</param>
    /// <param name="role">"training" or "validation", for messages.</param>
    internal static Func<int> CreateReader(DataViewRow row, DataViewSchema.Column column, string role)
    {
        if (column.Type is BooleanDataViewType)
        {
            var getFlag = row.GetGetter<bool>(column);
            return () =>
            {
                bool flag = false;
                getFlag(ref flag);
                return flag ? 1 : 0;
            };
        }

        var getKey = row.GetGetter<uint>(column);
        return () =>
        {
            uint key = 0;
            getKey(ref key);
            if (key == 0)
            {
                throw new InvalidOperationException(
                    $"Row {row.Position} of the {role} data has a missing value in label column '{column.Name}' (key 0): its label was not in the key dictionary or was empty. "
                    + "Remove such rows (e.g. mlContext.Data.FilterRowsByMissingValues) or build the key dictionary from data that contains every label.");
            }

            return (int)key - 1;
        };
    }

    /// <summary>Writes the label as <c>label_type</c>, <c>label_count</c> and <c>label_key_values</c> of a stage's fields.</summary>
    internal void WriteTo(JsonObject fields)
    {
        fields[LabelTypeField] = IsBinary ? BooleanLabel : KeyLabel;
        LabelKeyValues.WriteClasses(fields, "label", ClassCount, KeyValues);
    }

    /// <summary>The label written by <see cref="WriteTo"/>; a stage without <c>label_type</c> was saved multiclass.</summary>
    /// <exception cref="InvalidDataException">The label type is unknown, or a binary stage does not have two classes.</exception>
    internal static ClassifierLabel ReadFrom(LoadedStage stage)
    {
        var (count, keyValues) = stage.Classes("label");
        string type = stage.Fields[LabelTypeField]?.GetValue<string>() ?? KeyLabel;
        return type switch
        {
            KeyLabel => new ClassifierLabel(IsBinary: false, count, keyValues),
            BooleanLabel when count == 2 => Binary,
            BooleanLabel => throw new InvalidDataException($"{stage.Source}: a binary classifier (\"{LabelTypeField}\": \"{BooleanLabel}\") must have 2 classes, got {count}."),
            _ => throw new InvalidDataException($"{stage.Source}: unknown \"{LabelTypeField}\" \"{type}\"; expected \"{KeyLabel}\" or \"{BooleanLabel}\"."),
        };
    }

    private static string Describe(bool binary) => binary ? "Boolean (binary)" : "a key (multiclass)";
}
