// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// Checks of the data a trainer is given, before the schema checks whose messages would otherwise mislead: an empty data
/// view makes MapValueToKey produce a key with one value, and a raw validation set lacks the columns upstream transforms add.
/// </summary>
internal static class TrainingDataErrors
{
    /// <summary>Throws when <paramref name="data"/> has no row, naming what it is (<c>training data</c>, <c>validation set</c>).</summary>
    /// <exception cref="InvalidOperationException">The data view has no rows; the message lists the usual causes.</exception>
    internal static void RequireRows(IDataView data, string what)
    {
        if (data.GetRowCount() is 0 || (data.GetRowCount() is null && IsEmpty(data)))
        {
            throw new InvalidOperationException(
                $"The {what} has no rows. Check what produced it: the file path and separator of LoadFromTextFile, a filter that removed every row, or a TrainTestSplit of too little data.");
        }
    }

    /// <summary>
    /// Runs the checks of the validation set and prefixes what they throw, so the message says that the validation set, not
    /// the training data, is wrong, and how validation sets are built in ML.NET.
    /// </summary>
    internal static T InValidationSet<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentOutOfRangeException(
                nameof(PeftTrainerOptions.ValidationSet),
                $"ValidationSet: {ex.Message.Split(" (Parameter")[0]} A validation set must go through the same fitted transforms as "
                + "the training data before this estimator (as for ML.NET's own trainers): fit the upstream part of the pipeline on the "
                + "training data and pass upstream.Transform(validationData).");
        }
    }

    private static bool IsEmpty(IDataView data)
    {
        using var cursor = data.GetRowCursor(Array.Empty<DataViewSchema.Column>());
        return !cursor.MoveNext();
    }
}
