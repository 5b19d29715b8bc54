// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>The getter of an added vector-of-float column (class probabilities, an embedding, features) over the current row's values.</summary>
internal static class FloatVectorGetter
{
    /// <summary>A getter that copies <paramref name="current"/>'s values into the caller's buffer, so the caller may keep it.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not <c>VBuffer&lt;Single&gt;</c>; the message names the column.</exception>
    internal static ValueGetter<TValue> Create<TValue>(DataViewSchema.Column column, Func<float[]> current)
    {
        if (typeof(TValue) != typeof(VBuffer<float>))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds VBuffer<Single>, not {typeof(TValue).Name}.");
        }

        ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
        {
            var values = current();
            var editor = VBufferEditor.Create(ref destination, values.Length);
            values.CopyTo(editor.Values);
            destination = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
