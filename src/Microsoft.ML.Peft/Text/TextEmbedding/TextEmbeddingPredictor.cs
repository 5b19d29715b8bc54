// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextEmbedding;

/// <summary>How the shared scoring view and row mapper use a text embedding: they read a row's text and serve its vector.</summary>
internal sealed class TextEmbeddingPredictor : IBatchPredictor<string, float[]>
{
    private readonly TextEmbeddingTransformer _transformer;

    internal TextEmbeddingPredictor(TextEmbeddingTransformer transformer) => _transformer = transformer;

    public int ReadAheadRows => BatchInference.ReadAheadRows(_transformer.PredictionBatchSize);

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _transformer.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema)
    {
        yield return inputSchema[_transformer.InputColumn];
    }

    public Func<string> CreateInputReader(DataViewRow row)
    {
        var text = row.GetGetter<ReadOnlyMemory<char>>(row.Schema[_transformer.InputColumn]);
        return () =>
        {
            ReadOnlyMemory<char> value = default;
            text(ref value);
            return value.ToString();
        };
    }

    public IReadOnlyList<float[]> Predict(IReadOnlyList<string> inputs) => _transformer.Embed(inputs);

    public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<float[]> current) =>
        VectorGetter.Create<TValue, float>(column, current);
}
