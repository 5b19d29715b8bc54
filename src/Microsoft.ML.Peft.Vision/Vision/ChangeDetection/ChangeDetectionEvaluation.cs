// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>What <c>EvaluateChangeDetector</c> reads: each row's true mask (an image) against its predicted mask (Booleans), counted pixel by pixel.</summary>
internal static class ChangeDetectionEvaluation
{
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of another type.</exception>
    /// <exception cref="InvalidDataException">A row's masks differ in size, or the true mask cannot be read.</exception>
    internal static ChangeMaskCounts Count(IDataView data, string maskColumnName, string predictedMaskColumnName)
    {
        var mask = ImageColumn.Find(data.Schema, maskColumnName);
        var predicted = SchemaErrors.Find(data.Schema, "predicted mask", predictedMaskColumnName);
        if (predicted.Type is not VectorDataViewType { ItemType: BooleanDataViewType })
        {
            throw new ArgumentOutOfRangeException(predictedMaskColumnName, $"The predicted mask column '{predictedMaskColumnName}' is {predicted.Type}; it must be a vector of Boolean, one value per pixel.");
        }

        var total = default(ChangeMaskCounts);
        using var cursor = data.GetRowCursor(new[] { mask, predicted });
        var readMask = ImageColumn.CreateReader(cursor, mask, "evaluation");
        var readPredicted = cursor.GetGetter<VBuffer<bool>>(predicted);
        var values = default(VBuffer<bool>);
        while (cursor.MoveNext())
        {
            var truth = ChangeMask.FromImage(readMask());
            readPredicted(ref values);
            var dense = values.DenseValues().ToArray();
            if (dense.Length != truth.Values.Length)
            {
                throw new InvalidDataException(
                    $"Row {cursor.Position} of the evaluation data: the predicted mask ('{predictedMaskColumnName}') has {dense.Length} pixels but the true mask ('{maskColumnName}') "
                    + $"is {truth.Width} x {truth.Height} = {truth.Values.Length}; score the pairs whose masks these are.");
            }

            total += ChangeMaskCounts.Of(dense, truth.ToBooleans());
        }

        return total;
    }
}
