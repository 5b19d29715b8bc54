// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// How the shared scoring view and row mapper use a tagger: they read a row's words (tokens column) or raw text (text column)
/// and get its tags and, for raw text, its entity spans.
/// </summary>
internal sealed class NamedEntityPredictor : IBatchPredictor<TaggerInput, SentencePrediction>
{
    private readonly LoraNamedEntityRecognitionTransformer _transformer;

    internal NamedEntityPredictor(LoraNamedEntityRecognitionTransformer transformer) => _transformer = transformer;

    public int ReadAheadRows => BatchInference.ReadAheadRows(_transformer.PredictionBatchSize);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _transformer.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema) => new[] { _transformer.Columns.Input(inputSchema).Column };

    public Func<TaggerInput> CreateInputReader(DataViewRow row)
    {
        var (column, isText) = _transformer.Columns.Input(row.Schema);
        return TaggerInput.Reader(row, column, isText);
    }

    public IReadOnlyList<SentencePrediction> Predict(IReadOnlyList<TaggerInput> inputs) => _transformer.Predict(inputs);

    public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<SentencePrediction> current) =>
        PredictionColumnGetters.Create<TValue>(column, outputIndex, current);
}
