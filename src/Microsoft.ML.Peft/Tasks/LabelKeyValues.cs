// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The label column's key values (e.g. "ham", "spam"), carried onto <c>PredictedLabel</c> so MapKeyToValue works after the
/// classifier, and saved with the model. Text, boolean and numeric key values are supported.
/// </summary>
internal sealed class LabelKeyValues
{
    private static readonly Dictionary<Type, PrimitiveDataViewType> s_types = new()
    {
        [typeof(ReadOnlyMemory<char>)] = TextDataViewType.Instance,
        [typeof(bool)] = BooleanDataViewType.Instance,
        [typeof(float)] = NumberDataViewType.Single,
        [typeof(double)] = NumberDataViewType.Double,
        [typeof(int)] = NumberDataViewType.Int32,
        [typeof(uint)] = NumberDataViewType.UInt32,
        [typeof(long)] = NumberDataViewType.Int64,
        [typeof(ulong)] = NumberDataViewType.UInt64,
        [typeof(short)] = NumberDataViewType.Int16,
        [typeof(ushort)] = NumberDataViewType.UInt16,
        [typeof(sbyte)] = NumberDataViewType.SByte,
        [typeof(byte)] = NumberDataViewType.Byte,
    };

    // ML.NET's annotation kind name (its AnnotationUtils, which holds it, is internal).
    private const string KeyValuesAnnotation = "KeyValues";

    private readonly Array _values;

    private LabelKeyValues(PrimitiveDataViewType itemType, Array values)
    {
        ItemType = itemType;
        _values = values;
    }

    internal PrimitiveDataViewType ItemType { get; }

    internal int Count => _values.Length;

    /// <summary>The key values of <paramref name="labelColumn"/>, or null when it has none or of an unsupported type.</summary>
    internal static LabelKeyValues? FromColumn(DataViewSchema.Column labelColumn)
    {
        var annotation = labelColumn.Annotations.Schema.GetColumnOrNull(KeyValuesAnnotation);
        if (annotation is not { Type: VectorDataViewType { ItemType: PrimitiveDataViewType itemType } } || !s_types.ContainsKey(itemType.RawType))
        {
            return null;
        }

        var read = typeof(LabelKeyValues).GetMethod(nameof(Read), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(itemType.RawType);
        return new LabelKeyValues(itemType, (Array)read.Invoke(null, new object[] { labelColumn })!);
    }

    /// <summary>Text key values from class names, e.g. a Hugging Face config's <c>id2label</c> or names the user gave.</summary>
    internal static LabelKeyValues FromNames(IReadOnlyList<string> names) =>
        new(TextDataViewType.Instance, names.Select(n => n.AsMemory()).ToArray());

    /// <summary>Display names of the classes, in key order (slot names of <c>Score</c>).</summary>
    internal string[] Names() => _values.Cast<object>().Select(v => v is ReadOnlyMemory<char> text ? text.ToString() : Convert.ToString(v, CultureInfo.InvariantCulture)!).ToArray();

    /// <summary>Adds the key values annotation, typed as the original label's key values.</summary>
    internal void AddTo(DataViewSchema.Annotations.Builder builder)
    {
        var add = typeof(LabelKeyValues).GetMethod(nameof(AddTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .MakeGenericMethod(ItemType.RawType);
        add.Invoke(this, new object[] { builder });
    }

    /// <summary>Writes a stage's classes as <c>{name}_count</c> and <c>{name}_key_values</c> (e.g. <c>label_count</c>), read back by <see cref="LoadedStage.Classes"/>.</summary>
    internal static void WriteClasses(JsonObject fields, string name, int count, LabelKeyValues? keyValues)
    {
        fields[name + "_count"] = count;
        fields[name + "_key_values"] = keyValues?.ToJson();
    }

    internal JsonObject ToJson()
    {
        var values = new JsonArray();
        foreach (object? value in _values)
        {
            values.Add(value switch
            {
                ReadOnlyMemory<char> text => JsonValue.Create(text.ToString()),
                bool flag => JsonValue.Create(flag),
                _ => JsonValue.Create(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            });
        }

        return new JsonObject { ["type"] = ItemType.RawType.Name, ["values"] = values };
    }

    /// <exception cref="InvalidDataException">The JSON does not describe key values.</exception>
    internal static LabelKeyValues FromJson(JsonObject json, string source)
    {
        string typeName = json["type"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: the label key values have no \"type\".");
        var (rawType, itemType) = s_types.FirstOrDefault(p => p.Key.Name == typeName);
        if (rawType is null || json["values"] is not JsonArray values)
        {
            throw new InvalidDataException($"{source}: unsupported label key value type \"{typeName}\" or missing \"values\".");
        }

        var array = Array.CreateInstance(rawType, values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            var node = values[i] ?? throw new InvalidDataException($"{source}: label key value {i} is null.");
            object value = rawType == typeof(ReadOnlyMemory<char>) ? node.GetValue<string>().AsMemory()
                : rawType == typeof(bool) ? node.GetValue<bool>()
                : Convert.ChangeType(node.GetValue<double>(), rawType, CultureInfo.InvariantCulture);
            array.SetValue(value, i);
        }

        return new LabelKeyValues(itemType, array);
    }

    private static T[] Read<T>(DataViewSchema.Column column)
    {
        VBuffer<T> buffer = default;
        column.GetKeyValues(ref buffer);
        return buffer.DenseValues().ToArray();
    }

    private void AddTyped<T>(DataViewSchema.Annotations.Builder builder)
    {
        var values = (T[])_values;
        builder.Add(KeyValuesAnnotation, new VectorDataViewType(ItemType, values.Length), (ref VBuffer<T> destination) => destination = new VBuffer<T>(values.Length, values));
    }
}
