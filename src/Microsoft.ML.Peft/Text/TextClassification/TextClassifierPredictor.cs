// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// How the shared scoring view and row mapper use a text classifier: they read the text (and second text) of a row and get
/// its class scores, served as the classifier's columns (<see cref="ScoreGetters"/>).
/// </summary>
internal sealed class TextClassifierPredictor : IBatchPredictor<(string Text, string? Second), ClassScores>
{
    private readonly LoraTextClassificationTransformer _transformer;

    internal TextClassifierPredictor(LoraTextClassificationTransformer transformer) => _transformer = transformer;

    public int ReadAheadRows => BatchInference.ReadAheadRows(_transformer.PredictionBatchSize);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _transformer.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema)
    {
        var columns = _transformer.Columns;
        yield return inputSchema[columns.TextColumn];
        if (columns.SecondTextColumn is { } second)
        {
            yield return inputSchema[second];
        }
    }

    public Func<(string Text, string? Second)> CreateInputReader(DataViewRow row)
    {
        var columns = _transformer.Columns;
        var text = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[columns.TextColumn]);
        var second = columns.SecondTextColumn is { } name ? row.GetGetter<ReadOnlyMemory<char>>(row.Schema[name]) : null;
        return () =>
        {
            ReadOnlyMemory<char> value = default;
            text(ref value);
            string first = value.ToString();
            if (second is null)
            {
                return (first, null);
            }

            second(ref value);
            return (first, value.ToString());
        };
    }

    public IReadOnlyList<ClassScores> Predict(IReadOnlyList<(string Text, string? Second)> inputs) => _transformer.ScoreEncoded(inputs);

    public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<ClassScores> current) =>
        ScoreGetters.Create<TValue>(column, outputIndex, _transformer.IsBinary, current);
}
