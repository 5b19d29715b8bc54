// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>One row to tag: its words (tokens column) or its raw text (text column).</summary>
internal readonly record struct TaggerInput(string[]? Words, string? Text)
{
    /// <summary>A function reading the current row's input from <paramref name="column"/> of <paramref name="row"/>.</summary>
    internal static Func<TaggerInput> Reader(DataViewRow row, DataViewSchema.Column column, bool isText)
    {
        if (isText)
        {
            var text = row.GetGetter<ReadOnlyMemory<char>>(column);
            return () =>
            {
                ReadOnlyMemory<char> value = default;
                text(ref value);
                return new TaggerInput(null, value.ToString());
            };
        }

        var tokens = row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column);
        return () =>
        {
            VBuffer<ReadOnlyMemory<char>> buffer = default;
            tokens(ref buffer);
            return new TaggerInput(buffer.DenseValues().Select(v => v.ToString()).ToArray(), null);
        };
    }
}
