// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>The image classifier as the shared batch-scoring data view and row mapper see it: one image in, class scores out.</summary>
internal sealed class ImageClassifierPredictor : IBatchPredictor<RgbImage, ClassScores>
{
    private readonly ImageClassificationTransformer _transformer;

    internal ImageClassifierPredictor(ImageClassificationTransformer transformer) => _transformer = transformer;

    public int ReadAheadRows => _transformer.PredictionBatchSize;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _transformer.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema)
    {
        yield return inputSchema[_transformer.Columns.Image];
    }

    public Func<RgbImage> CreateInputReader(DataViewRow row) =>
        ImageColumn.CreateReader(row, ImageColumn.Find(row.Schema, _transformer.Columns.Image), "input");

    public IReadOnlyList<ClassScores> Predict(IReadOnlyList<RgbImage> inputs) => _transformer.Score(inputs);

    public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<ClassScores> current)
    {
        if (outputIndex < ImageClassifierColumns.FeaturesIndex(_transformer.IsBinary))
        {
            return ScoreGetters.Create<TValue>(column, outputIndex, _transformer.IsBinary, current);
        }

        return VectorGetter.Create<TValue, float>(column, () => current().Features!);
    }
}
