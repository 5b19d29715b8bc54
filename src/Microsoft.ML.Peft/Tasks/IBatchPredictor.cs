// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// What a task's transformer tells <see cref="BatchScoringDataView{TInput, TPrediction}"/> and
/// <see cref="BatchPredictorRowMapper{TInput, TPrediction}"/>: which input columns it reads, how to read one row's input, how
/// to predict a batch, and how to serve the columns it adds from one prediction. The added columns follow the input columns.
/// </summary>
/// <typeparam name="TInput">One row's input (e.g. a text, or a text pair).</typeparam>
/// <typeparam name="TPrediction">One row's prediction (e.g. class probabilities).</typeparam>
internal interface IBatchPredictor<TInput, TPrediction>
{
    /// <summary>
    /// Rows the data view reads ahead and hands to <see cref="Predict"/> at once. For inputs of varying length this is
    /// several batches (<see cref="BatchInference.ReadAheadRows"/>), so that sorting them by length pads little; for
    /// fixed-size inputs one batch, so no more than one batch of inputs is held.
    /// </summary>
    int ReadAheadRows { get; }

    /// <summary>The input schema followed by the added columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing or has the wrong type.</exception>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>The input columns a prediction reads.</summary>
    IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema);

    /// <summary>A function reading the current row's input from <paramref name="row"/>, whose schema is the input schema.</summary>
    Func<TInput> CreateInputReader(DataViewRow row);

    /// <summary>Predicts <paramref name="inputs"/>, one prediction per input, in order.</summary>
    IReadOnlyList<TPrediction> Predict(IReadOnlyList<TInput> inputs);

    /// <summary>The getter of the <paramref name="outputIndex"/>-th added column over the current row's prediction.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not the column's type; the message names both.</exception>
    ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<TPrediction> current);
}
