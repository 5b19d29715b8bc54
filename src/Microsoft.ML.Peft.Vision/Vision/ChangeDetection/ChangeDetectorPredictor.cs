// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>The change detector as the shared batch-scoring data view and row mapper see it: an image pair in, a change map out.</summary>
internal sealed class ChangeDetectorPredictor : IBatchPredictor<ImagePair, ChangeMap>
{
    private readonly ChangeDetectionTransformer _transformer;

    internal ChangeDetectorPredictor(ChangeDetectionTransformer transformer) => _transformer = transformer;

    public int ReadAheadRows => _transformer.PredictionBatchSize;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _transformer.GetOutputSchema(inputSchema);

    public IEnumerable<DataViewSchema.Column> InputColumns(DataViewSchema inputSchema)
    {
        yield return inputSchema[_transformer.Columns.Before];
        yield return inputSchema[_transformer.Columns.After];
    }

    /// <exception cref="InvalidDataException">From the function: an image is unreadable, or the pair is not of the detector's tile size; the row and both sizes are named.</exception>
    public Func<ImagePair> CreateInputReader(DataViewRow row)
    {
        var columns = _transformer.Columns;
        var readBefore = ImageColumn.CreateReader(row, ImageColumn.Find(row.Schema, columns.Before), "input");
        var readAfter = ImageColumn.CreateReader(row, ImageColumn.Find(row.Schema, columns.After), "input");
        var tile = _transformer.Tile;
        return () =>
        {
            var pair = new ImagePair(readBefore(), readAfter());
            foreach (var (image, column) in new[] { (pair.Before, columns.Before), (pair.After, columns.After) })
            {
                if (image.Width != tile.Width || image.Height != tile.Height)
                {
                    throw new InvalidDataException(
                        $"Row {row.Position} of the input: the image in '{column}' is {image.Width} x {image.Height}, but the change detector was trained on {tile} pairs "
                        + "and scores that size, the size of its output columns. Cut the scene into tiles of that size.");
                }
            }

            return pair;
        };
    }

    public IReadOnlyList<ChangeMap> Predict(IReadOnlyList<ImagePair> inputs) => _transformer.Score(inputs);

    public ValueGetter<TValue> CreateOutputGetter<TValue>(DataViewSchema.Column column, int outputIndex, Func<ChangeMap> current) => outputIndex == 0
        ? VectorGetter.Create<TValue, float>(column, () => current().Probabilities)
        : VectorGetter.Create<TValue, bool>(column, () => current().Mask);
}
