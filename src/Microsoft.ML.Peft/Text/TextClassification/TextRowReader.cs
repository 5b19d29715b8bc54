// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>Reads the text (and second text) columns of an input in order, a batch at a time.</summary>
internal sealed class TextRowReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<ReadOnlyMemory<char>> _text;
    private readonly ValueGetter<ReadOnlyMemory<char>>? _second;

    internal TextRowReader(IDataView input, TextClassifierColumns columns)
    {
        var text = input.Schema[columns.TextColumn];
        var second = columns.SecondTextColumn is null ? (DataViewSchema.Column?)null : input.Schema[columns.SecondTextColumn];
        _cursor = input.GetRowCursor(second is { } s ? new[] { text, s } : new[] { text });
        _text = _cursor.GetGetter<ReadOnlyMemory<char>>(text);
        _second = second is { } c ? _cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
    }

    /// <summary>Up to <paramref name="count"/> next rows as (text, second text or null).</summary>
    internal IReadOnlyList<(string Text, string? Second)> ReadBatch(int count)
    {
        var rows = new List<(string, string?)>(count);
        ReadOnlyMemory<char> value = default;
        while (rows.Count < count && _cursor.MoveNext())
        {
            _text(ref value);
            string text = value.ToString();
            string? second = null;
            if (_second is not null)
            {
                _second(ref value);
                second = value.ToString();
            }

            rows.Add((text, second));
        }

        return rows;
    }

    public void Dispose() => _cursor.Dispose();
}
