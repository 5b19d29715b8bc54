// Licensed under the MIT license. See LICENSE in the repository root.

using System.Numerics;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A column that holds one sentence's tags per row: a vector of text, or a vector of keys whose key values are text (what
/// <c>MapValueToKey</c> makes of the text). Checked as <see cref="SchemaErrors"/> checks, read one row at a time.
/// </summary>
internal sealed class TagColumnReader
{
    // ML.NET's annotation kind name (its AnnotationUtils, which holds it, is internal).
    private const string KeyValuesAnnotation = "KeyValues";

    private readonly Func<string[]> _read;

    private TagColumnReader(Func<string[]> read) => _read = read;

    /// <summary>Finds <paramref name="columnName"/> and checks its type, or throws naming its role, type and the fix.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or not a vector of text or of keys with text values.</exception>
    internal static DataViewSchema.Column Check(DataViewSchema schema, string role, string columnName)
    {
        var column = SchemaErrors.Find(schema, role, columnName);
        if (column.Type is VectorDataViewType { ItemType: TextDataViewType } || (column.Type is VectorDataViewType { ItemType: KeyDataViewType } && HasTextKeyValues(column)))
        {
            return column;
        }

        string fix = column.Type switch
        {
            TextDataViewType => "Each row must hold a sentence's tags, one per token, as a vector (the Tags column of mlContext.Data.LoadFromConllFile is one); split a text of tags with mlContext.Transforms.Text.TokenizeIntoWords.",
            VectorDataViewType { ItemType: KeyDataViewType } => $"Its keys have no text key values to read tags from; map them back with mlContext.Transforms.Conversion.MapKeyToValue(\"{columnName}\") or key a text column with MapValueToKey.",
            _ => "Convert it to a vector of tags such as \"B-PER\", \"I-PER\" and \"O\".",
        };
        throw new ArgumentOutOfRangeException(
            "inputSchema",
            $"Schema mismatch for {role.ToLowerInvariant()} column '{columnName}': expected vector of String or vector of Key with String key values, got {column.Type}. {fix}");
    }

    /// <summary>A reader of <paramref name="column"/> (checked with <see cref="Check"/>) at <paramref name="cursor"/>'s row.</summary>
    internal static TagColumnReader Create(DataViewRowCursor cursor, DataViewSchema.Column column, string role)
    {
        var itemType = ((VectorDataViewType)column.Type).ItemType;
        if (itemType is TextDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
            VBuffer<ReadOnlyMemory<char>> buffer = default;
            return new TagColumnReader(() =>
            {
                getter(ref buffer);
                return buffer.DenseValues().Select(v => v.ToString()).ToArray();
            });
        }

        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        column.GetKeyValues(ref keyValues);
        string[] names = keyValues.DenseValues().Select(v => v.ToString()).ToArray();
        return itemType.RawType switch
        {
            var t when t == typeof(byte) => Keys<byte>(cursor, column, role, names),
            var t when t == typeof(ushort) => Keys<ushort>(cursor, column, role, names),
            var t when t == typeof(uint) => Keys<uint>(cursor, column, role, names),
            _ => Keys<ulong>(cursor, column, role, names),
        };
    }

    /// <summary>The current row's tags.</summary>
    internal string[] Read() => _read();

    private static bool HasTextKeyValues(DataViewSchema.Column column) =>
        column.Annotations.Schema.GetColumnOrNull(KeyValuesAnnotation) is { Type: VectorDataViewType { ItemType: TextDataViewType } };

    private static TagColumnReader Keys<T>(DataViewRowCursor cursor, DataViewSchema.Column column, string role, string[] names)
        where T : struct, IBinaryInteger<T>
    {
        var getter = cursor.GetGetter<VBuffer<T>>(column);
        VBuffer<T> buffer = default;
        return new TagColumnReader(() =>
        {
            getter(ref buffer);
            var tags = new string[buffer.Length];
            int i = 0;
            foreach (var value in buffer.DenseValues())
            {
                ulong key = ulong.CreateTruncating(value);
                if (key == 0 || key > (ulong)names.Length)
                {
                    // Key 0 is ML.NET's missing value: the tag was not in the key dictionary.
                    throw new InvalidOperationException(
                        $"Row {cursor.Position}, token {i} (both 0-based) of {role.ToLowerInvariant()} column '{column.Name}' has the key {key}, which names no tag (key values 1 to {names.Length}): "
                        + "its tag was missing from the key dictionary. Build the dictionary from data that holds every tag.");
                }

                tags[i++] = names[key - 1];
            }

            return tags;
        });
    }
}
