// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// Getters of a classifier's added columns over the current row's <see cref="ClassScores"/>, in the order
/// <see cref="ScoreColumns"/> adds them: multiclass <c>Score</c>, <c>PredictedLabel</c>; binary <c>Score</c>,
/// <c>Probability</c>, <c>PredictedLabel</c>.
/// </summary>
internal static class ScoreGetters
{
    /// <summary>The getter of the <paramref name="outputIndex"/>-th added column.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not the column's type; the message names both.</exception>
    internal static ValueGetter<TValue> Create<TValue>(DataViewSchema.Column column, int outputIndex, bool binary, Func<ClassScores> current) =>
        (binary, outputIndex) switch
        {
            (false, 0) => Scores<TValue>(column, current),
            (false, _) => PredictedKey<TValue>(column, current),
            (true, 0) => Single<TValue>(column, () => Margin(current())),
            (true, 1) => Single<TValue>(column, () => current().Probabilities[1]),
            (true, _) => Typed<TValue, bool>(column, "Boolean", () => current().Probabilities[1] > 0.5f),
        };

    // What ML.NET's binary trainers put in Score: the raw margin, positive for true. With two logits it is their difference.
    private static float Margin(ClassScores scores) => scores.Logits[1] - scores.Logits[0];

    /// <summary>Multiclass <c>Score</c>: the class probabilities, a copy the caller may keep.</summary>
    private static ValueGetter<TValue> Scores<TValue>(DataViewSchema.Column column, Func<ClassScores> current) =>
        VectorGetter.Create<TValue, float>(column, () => current().Probabilities);

    /// <summary>Multiclass <c>PredictedLabel</c>: the one-based key of the most probable class (the first on ties).</summary>
    private static ValueGetter<TValue> PredictedKey<TValue>(DataViewSchema.Column column, Func<ClassScores> current) =>
        Typed<TValue, uint>(column, "a UInt32 key", () => (uint)current().Predicted + 1);

    private static ValueGetter<TValue> Single<TValue>(DataViewSchema.Column column, Func<float> value) => Typed<TValue, float>(column, "Single", value);

    private static ValueGetter<TValue> Typed<TValue, T>(DataViewSchema.Column column, string typeName, Func<T> value)
    {
        if (typeof(TValue) != typeof(T))
        {
            throw new InvalidOperationException($"Column '{column.Name}' holds {typeName}, not {typeof(TValue).Name}.");
        }

        ValueGetter<T> getter = (ref T destination) => destination = value();
        return (ValueGetter<TValue>)(Delegate)getter;
    }
}
