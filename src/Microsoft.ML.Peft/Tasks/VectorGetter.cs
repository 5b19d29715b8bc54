// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>The getter of an added vector column (class probabilities, an embedding, features, a change mask) over the current row's values.</summary>
internal static class VectorGetter
{
    /// <summary>A getter that copies <paramref name="current"/>'s values into the caller's buffer, so the caller may keep it.</summary>
    /// <typeparam name="TValue">The type the caller asks for, which must be <c>VBuffer&lt;TItem&gt;</c>.</typeparam>
    /// <typeparam name="TItem">The column's item type, such as <see cref="float"/> or <see cref="bool"/>.</typeparam>
    /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not <c>VBuffer&lt;TItem&gt;</c>; the message names the column.</exception>
    internal static ValueGetter<TValue> Create<TValue, TItem>(DataViewSchema.Column column, Func<TItem[]> current)
    {
        if (typeof(TValue) != typeof(VBuffer<TItem>))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds VBuffer<{typeof(TItem).Name}>, not {typeof(TValue).Name}.");
        }

        ValueGetter<VBuffer<TItem>> getter = (ref VBuffer<TItem> destination) =>
        {
            var values = current();
            var editor = VBufferEditor.Create(ref destination, values.Length);
            values.CopyTo(editor.Values);
            destination = editor.Commit();
        };
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
