// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>The rows of a training or validation set, read once: texts (and second texts) with zero-based class indices.</summary>
internal sealed class TextClassificationRows
{
    private TextClassificationRows(string[] texts, string[]? secondTexts, int[] labels)
    {
        Texts = texts;
        SecondTexts = secondTexts;
        Labels = labels;
    }

    internal string[] Texts { get; }

    internal string[]? SecondTexts { get; }

    internal int[] Labels { get; }

    internal int Count => Texts.Length;

    /// <summary>
    /// Reads every row. Empty texts and missing key labels (key 0: a value that was not in the key dictionary) are refused with
    /// the row number, because training on them would silently teach the model nothing or the wrong class. A Boolean label
    /// reads as class 0 (false) or 1 (true).
    /// </summary>
    /// <param name="data">The data view; its schema was checked already.</param>
    /// <param name="textColumn">The text column.</param>
    /// <param name="secondTextColumn">The second text column, or null.</param>
    /// <param name="labelColumn">The label column, a key or a Boolean (<see cref="ClassifierLabel"/>).</param>
    /// <param name="role">"training" or "validation", for messages.</param>
    internal static TextClassificationRows Read(IDataView data, string textColumn, string? secondTextColumn, string labelColumn, string role)
    {
        var text = data.Schema[textColumn];
        var second = secondTextColumn is null ? (DataViewSchema.Column?)null : data.Schema[secondTextColumn];
        var label = data.Schema[labelColumn];
        var columns = second is { } s ? new[] { text, s, label } : new[] { text, label };
        var texts = new List<string>();
        var seconds = second is null ? null : new List<string>();
        var labels = new List<int>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var getText = cursor.GetGetter<ReadOnlyMemory<char>>(text);
            var getSecond = second is { } c ? cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
            var readLabel = ClassifierLabel.CreateReader(cursor, label, role);
            ReadOnlyMemory<char> value = default;
            while (cursor.MoveNext())
            {
                long row = cursor.Position;
                getText(ref value);
                texts.Add(RequireText(value, textColumn, row, role));
                if (getSecond is not null)
                {
                    getSecond(ref value);
                    seconds!.Add(RequireText(value, secondTextColumn!, row, role));
                }

                labels.Add(readLabel());
            }
        }

        if (texts.Count == 0)
        {
            throw new InvalidOperationException($"The {role} data has no rows; a classifier needs labelled examples.");
        }

        return new TextClassificationRows(texts.ToArray(), seconds?.ToArray(), labels.ToArray());
    }

    private static string RequireText(ReadOnlyMemory<char> value, string column, long row, string role)
    {
        if (value.Span.IsWhiteSpace())
        {
            throw new InvalidOperationException(
                $"Row {row} of the {role} data has an empty text in column '{column}'. Remove empty rows before training (e.g. mlContext.Data.FilterByCustomPredicate).");
        }

        return value.ToString();
    }
}
