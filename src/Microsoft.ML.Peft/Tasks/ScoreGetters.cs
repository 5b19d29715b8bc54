// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>Getters of the two output columns over the probabilities of the current row.</summary>
internal static class ScoreGetters
{
    /// <summary><c>Score</c>: the class probabilities, a copy the caller may keep.</summary>
    internal static ValueGetter<TValue> Score<TValue>(DataViewSchema.Column column, Func<float[]> probabilities)
    {
        if (typeof(TValue) != typeof(VBuffer<float>))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds VBuffer<Single>, not {typeof(TValue).Name}.");
        }

        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
        {
            var values = probabilities();
            var editor = VBufferEditor.Create(ref destination, values.Length);
            values.CopyTo(editor.Values);
            destination = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }

    /// <summary><c>PredictedLabel</c>: the one-based key of the most probable class (the first on ties).</summary>
    internal static ValueGetter<TValue> PredictedLabel<TValue>(DataViewSchema.Column column, Func<float[]> probabilities)
    {
        if (typeof(TValue) != typeof(uint))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds a UInt32 key, not {typeof(TValue).Name}.");
        }

        ValueGetter<uint> getter = (ref uint destination) =>
        {
            var values = probabilities();
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best])
                {
                    best = i;
                }
            }

            destination = (uint)best + 1;
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
