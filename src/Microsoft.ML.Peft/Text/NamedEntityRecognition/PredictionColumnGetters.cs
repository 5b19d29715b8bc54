// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Getters of the columns a tagger adds, over the current row's <see cref="SentencePrediction"/>.</summary>
internal static class PredictionColumnGetters
{
    /// <summary>The getter of the <paramref name="outputIndex"/>-th added column (0: tags, then the span columns in order).</summary>
    internal static ValueGetter<TValue> Create<TValue>(DataViewSchema.Column column, int outputIndex, Func<SentencePrediction> current)
    {
        Delegate getter = outputIndex switch
        {
            0 => Vector(column, typeof(TValue), () => current().Tags, tag => (uint)tag + 1),
            1 => Vector(column, typeof(TValue), () => Spans(current()).Starts, v => v),
            2 => Vector(column, typeof(TValue), () => Spans(current()).Lengths, v => v),
            3 => Vector(column, typeof(TValue), () => Spans(current()).Types, v => v.AsMemory()),
            4 => Vector(column, typeof(TValue), () => Spans(current()).Scores, v => v),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex), outputIndex, "A tagger adds at most five columns."),
        };
        return (ValueGetter<TValue>)getter;
    }

    private static EntitySpans Spans(SentencePrediction prediction) => prediction.Spans ?? EntitySpans.None;

    private static ValueGetter<VBuffer<TItem>> Vector<TSource, TItem>(DataViewSchema.Column column, Type requested, Func<TSource[]> values, Func<TSource, TItem> convert)
    {
        if (requested != typeof(VBuffer<TItem>))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds VBuffer<{typeof(TItem).Name}>, not {requested.Name}.");
        }

        return (ref VBuffer<TItem> destination) =>
        {
            var source = values();
            var editor = VBufferEditor.Create(ref destination, source.Length);
            for (int i = 0; i < source.Length; i++)
            {
                editor.Values[i] = convert(source[i]);
            }

            destination = editor.Commit();
        };
    }
}
