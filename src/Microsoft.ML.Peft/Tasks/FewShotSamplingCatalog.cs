// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>Draws K-shot training sets through <c>mlContext.Data</c>, beside ML.NET's <c>TakeRows</c> and <c>TrainTestSplit</c>.</summary>
public static class FewShotSamplingCatalog
{
    /// <summary>
    /// Keeps <paramref name="rowsPerClass"/> rows of each class of <paramref name="labelColumnName"/>, drawn at random without
    /// replacement, for K-shot training: the same data, count and seed always give the same rows.
    /// </summary>
    /// <remarks>
    /// The label column may be a key (from <c>MapValueToKey</c>), a Boolean or a text. Rows with a missing label (key 0, empty
    /// text) belong to no class and are dropped. The rows keep their order in <paramref name="data"/>; the estimators shuffle
    /// while they train. The data is read once, for its labels, when this is called.
    /// </remarks>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="data">The rows to sample from.</param>
    /// <param name="rowsPerClass">K: rows kept per class; every class needs at least this many.</param>
    /// <param name="labelColumnName">The class column.</param>
    /// <param name="seed">Chooses the rows; draws with different seeds give different K-shot sets.</param>
    /// <returns>The kept rows, with the schema of <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rowsPerClass"/> is not positive, or the label column is missing or of another type.</exception>
    /// <exception cref="ArgumentException">A class has fewer rows than <paramref name="rowsPerClass"/>, or there are no labelled rows; the message names the class and its count.</exception>
    /// <example>
    /// <code language="csharp">
    /// // 4 images per digit for a 4-shot run, a different draw per seed.
    /// var fourShot = mlContext.Data.TakeRowsPerClass(train, rowsPerClass: 4, labelColumnName: "Label", seed: 2);
    /// </code>
    /// </example>
    public static IDataView TakeRowsPerClass(this DataOperationsCatalog catalog, IDataView data, int rowsPerClass, string labelColumnName = "Label", int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        if (rowsPerClass <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rowsPerClass), rowsPerClass, $"{nameof(rowsPerClass)} must be at least 1 (the K of a K-shot set).");
        }

        var byClass = RowsByClass(data, labelColumnName);
        if (byClass.Count == 0)
        {
            throw new ArgumentException($"Label column '{labelColumnName}' has no labelled row to sample from.", nameof(data));
        }

        var small = byClass.FirstOrDefault(c => c.Value.Count < rowsPerClass);
        if (small.Value is not null)
        {
            throw new ArgumentException(
                $"Class '{small.Key}' of label column '{labelColumnName}' has {small.Value.Count} row(s), fewer than {nameof(rowsPerClass)} = {rowsPerClass}; " +
                $"lower {nameof(rowsPerClass)} to at most {byClass.Min(c => c.Value.Count)} or add rows of that class.",
                nameof(rowsPerClass));
        }

        // One generator over the classes in a fixed order (first appearance), so the draw depends only on data and seed.
        var random = new Random(seed);
        var kept = byClass.SelectMany(c => c.Value.OrderBy(_ => random.Next()).Take(rowsPerClass));
        return new RowSelectionDataView(data, kept);
    }

    // Row positions per class name, classes in order of first appearance.
    private static List<KeyValuePair<string, List<long>>> RowsByClass(IDataView data, string labelColumnName)
    {
        var column = data.Schema.GetColumnOrNull(labelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(labelColumnName), labelColumnName, $"Label column '{labelColumnName}' not found; the data has {string.Join(", ", data.Schema.Select(c => c.Name))}.");
        var groups = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var order = new List<string>();
        using var cursor = data.GetRowCursor(new[] { column });
        Func<string?> read = column.Type switch
        {
            KeyDataViewType => Reader<uint>(cursor, column, k => k == 0 ? null : k.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            BooleanDataViewType => Reader<bool>(cursor, column, b => b ? "True" : "False"),
            TextDataViewType => Reader<ReadOnlyMemory<char>>(cursor, column, t => t.IsEmpty ? null : t.ToString()),
            _ => throw new ArgumentOutOfRangeException(nameof(labelColumnName), labelColumnName,
                $"Label column '{labelColumnName}' is {column.Type}; use a key (MapValueToKey), Boolean or text column."),
        };

        while (cursor.MoveNext())
        {
            if (read() is not { } label)
            {
                continue;
            }

            if (!groups.TryGetValue(label, out var rows))
            {
                groups[label] = rows = new List<long>();
                order.Add(label);
            }

            rows.Add(cursor.Position);
        }

        return order.Select(l => new KeyValuePair<string, List<long>>(l, groups[l])).ToList();
    }

    private static Func<string?> Reader<T>(DataViewRowCursor cursor, DataViewSchema.Column column, Func<T, string?> name)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return name(value);
        };
    }
}
