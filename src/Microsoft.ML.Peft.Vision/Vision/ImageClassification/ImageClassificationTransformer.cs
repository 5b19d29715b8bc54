// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// A fitted image classifier: a pretrained vision backbone with a trained PEFT adapter and head. <see cref="Transform"/> adds
/// <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (a key with the label column's values), computed lazily in
/// batches as a cursor moves.
/// </summary>
/// <remarks>
/// Save the pipeline with <c>mlContext.Peft().Model.Save</c> (not <c>mlContext.Model.Save</c>, whose writer API is internal
/// to ML.NET); <c>LoadImages</c> stages before it are saved by ML.NET itself. <see cref="SaveAdapter"/> exports the adapter
/// alone in Hugging Face PEFT's format. Dispose the transformer to free the network.
/// </remarks>
public sealed class ImageClassificationTransformer : ITransformer, IPersistablePeftTransformer, IDisposable
{
    internal const string Kind = "image-classifier";

    private readonly ImageClassifierNetwork _network;
    private bool _disposed;

    internal ImageClassificationTransformer(ImageClassifierNetwork network, ImageClassifierColumns columns, LabelKeyValues? keyValues, BackboneReference backbone, int predictionBatchSize, ImageClassifierTrainingInfo? trainingInfo)
    {
        _network = network;
        Columns = columns;
        KeyValues = keyValues;
        Backbone = backbone;
        PredictionBatchSize = predictionBatchSize;
        TrainingInfo = trainingInfo;
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount => _network.ClassCount;

    /// <summary>What training did; null for a transformer loaded from a file.</summary>
    public ImageClassifierTrainingInfo? TrainingInfo { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal ImageClassifierColumns Columns { get; }

    internal LabelKeyValues? KeyValues { get; }

    internal BackboneReference Backbone { get; }

    internal int PredictionBatchSize { get; }

    internal ImageClassifierNetwork Network => _network;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Columns.OutputSchema(inputSchema, ClassCount, KeyValues);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new BatchPredictorRowMapper<RgbImage, float[]>(inputSchema, new ImageClassifierPredictor(this));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new BatchScoringDataView<RgbImage, float[]>(input, new ImageClassifierPredictor(this));
    }

    /// <summary>
    /// Writes the adapter and head in Hugging Face PEFT's format (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>)
    /// with the key names of the backbone's Python classifier (<c>ViTForImageClassification</c>, torchvision's <c>resnet18</c>).
    /// </summary>
    /// <param name="directory">The folder to write; created when missing.</param>
    public void SaveAdapter(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ThrowIfDisposed();
        _network.Peft.SaveAdapter(directory);
    }

    /// <summary>Always throws: ML.NET's model writer is internal to ML.NET.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            $"{nameof(ImageClassificationTransformer)} cannot be written by mlContext.Model.Save, whose writer API is internal to ML.NET. "
            + "Save the pipeline with mlContext.Peft().Model.Save(model, schema, path) and load it with mlContext.Peft().Model.Load(path, out schema).");

    string IPersistablePeftTransformer.StageKind => Kind;

    void IPersistablePeftTransformer.SaveTo(ZipArchive archive, string prefix)
    {
        ThrowIfDisposed();
        ImageClassifierArchive.Save(this, archive, prefix);
    }

    /// <summary>Frees the network.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _network.Dispose();
        }
    }

    internal float[][] Score(IReadOnlyList<RgbImage> images)
    {
        ThrowIfDisposed();
        return _network.Score(images, PredictionBatchSize);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
