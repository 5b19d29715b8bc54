// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Persistence;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// A named-entity tagger trained by <see cref="LoraNamedEntityRecognitionEstimator"/>: a pretrained encoder with a PEFT adapter
/// and a token-classification head. <see cref="Transform"/> adds the predicted tags, a vector of keys (one per token) carrying
/// the tag names, so <c>MapKeyToValue</c> turns them back into text.
/// </summary>
/// <remarks>
/// Save a pipeline containing it with <c>mlContext.Peft().Model.Save</c>; <see cref="SaveAdapter"/> exports the adapter alone in
/// Hugging Face PEFT's format with the <c>XxxForTokenClassification</c> key names. Dispose it to free native memory at once.
/// </remarks>
public sealed class LoraNamedEntityRecognitionTransformer : ITransformer, IPersistablePeftTransformer, IDisposable
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "named-entity-recognizer";

    private bool _disposed;

    internal LoraNamedEntityRecognitionTransformer(TokenClassifierNetwork network, NamedEntityColumns columns, LabelKeyValues? tagNames, BackboneReference backbone, int predictionBatchSize, NamedEntityRecognizerTrainingInfo? trainingInfo)
    {
        Network = network;
        Columns = columns;
        TagNames = tagNames;
        Backbone = backbone;
        PredictionBatchSize = predictionBatchSize;
        TrainingInfo = trainingInfo;
    }

    /// <summary>Number of distinct tags.</summary>
    public int TagCount => Network.LabelCount;

    /// <summary>What happened during training (null for a loaded model).</summary>
    public NamedEntityRecognizerTrainingInfo? TrainingInfo { get; }

    /// <summary>Always true: each row is tagged on its own, so PredictionEngine works.</summary>
    public bool IsRowToRowMapper => true;

    internal TokenClassifierNetwork Network { get; }

    internal NamedEntityColumns Columns { get; }

    internal LabelKeyValues? TagNames { get; }

    internal BackboneReference Backbone { get; }

    internal int PredictionBatchSize { get; }

    string IPersistablePeftTransformer.StageKind => Kind;

    /// <summary>The input schema plus the predicted tags column.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tokens column is missing or not a vector of text.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Columns.OutputSchema(inputSchema, TagCount, TagNames);
    }

    /// <summary>A mapper that tags one row at a time (used by PredictionEngine).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new NamedEntityRowMapper(inputSchema, this);
    }

    /// <summary>Returns a lazy view that tags sentences in batches as it is read.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The tokens column is missing or not a vector of text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new NamedEntityDataView(input, this);
    }

    /// <summary>
    /// Writes the adapter and head in Hugging Face PEFT's format with the architecture's <c>XxxForTokenClassification</c> key
    /// names, for <c>PeftModel.from_pretrained(AutoModelForTokenClassification.from_pretrained(base, num_labels=...), directory)</c>.
    /// </summary>
    /// <param name="directory">The output folder; files are written atomically.</param>
    public void SaveAdapter(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ThrowIfDisposed();
        Network.Peft.SaveAdapter(directory);
    }

    /// <summary>Not supported: ML.NET's model writer is internal to ML.NET. Use <c>mlContext.Peft().Model.Save</c>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            $"{nameof(LoraNamedEntityRecognitionTransformer)} cannot be written by mlContext.Model.Save, whose writer API is internal to ML.NET. "
            + "Save the pipeline with mlContext.Peft().Model.Save(model, schema, path).");

    void IPersistablePeftTransformer.SaveTo(ZipArchive archive, string prefix)
    {
        ThrowIfDisposed();
        NamedEntityArchive.Save(this, archive, prefix);
    }

    /// <summary>Frees the network.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Network.Dispose();
        }
    }

    /// <summary>Reads a transformer written by <see cref="IPersistablePeftTransformer.SaveTo"/>.</summary>
    internal static ITransformer LoadFrom(MLContext context, ZipArchive archive, string prefix, IReadOnlyList<PretrainedModel> backbones) =>
        NamedEntityArchive.Load(context, archive, prefix, backbones);

    /// <summary>Zero-based tags of every word of each sentence.</summary>
    internal int[][] PredictTags(IReadOnlyList<string[]> sentences)
    {
        ThrowIfDisposed();
        return Network.Predict(sentences.Select(s => Network.Encode(s)).ToList(), PredictionBatchSize);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
