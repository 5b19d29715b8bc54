// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// A text classifier trained by <see cref="LoraTextClassificationEstimator"/>: a pretrained encoder with a PEFT adapter and a
/// classification head. <see cref="Transform"/> adds <c>Score</c> (vector of class probabilities, slot names = the label's key
/// values) and <c>PredictedLabel</c> (a key carrying the label's key values, so <c>MapKeyToValue</c> turns it back into text).
/// </summary>
/// <remarks>
/// Save a pipeline that contains this transformer with <c>mlContext.Peft().Model.Save</c>; ML.NET's own <c>mlContext.Model.Save</c>
/// cannot write third-party transformers. <see cref="SaveAdapter"/> exports the adapter alone in Hugging Face PEFT's format.
/// Dispose the transformer to free the network's native memory at once.
/// </remarks>
public sealed class LoraTextClassificationTransformer : ITransformer, IPersistablePeftTransformer, IDisposable
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "text-classifier";

    private readonly TextClassifierNetwork _network;
    private bool _disposed;

    internal LoraTextClassificationTransformer(TextClassifierNetwork network, TextClassifierColumns columns, LabelKeyValues? keyValues, BackboneReference backbone, int predictionBatchSize, TextClassifierTrainingInfo? trainingInfo)
    {
        _network = network;
        Columns = columns;
        KeyValues = keyValues;
        Backbone = backbone;
        PredictionBatchSize = predictionBatchSize;
        TrainingInfo = trainingInfo;
    }

    /// <summary>Number of classes.</summary>
    public int LabelCount => _network.LabelCount;

    /// <summary>What happened during training (null for a loaded model).</summary>
    public TextClassifierTrainingInfo? TrainingInfo { get; }

    /// <summary>Always true: the transformer maps each row on its own, so PredictionEngine works.</summary>
    public bool IsRowToRowMapper => true;

    internal TextClassifierColumns Columns { get; }

    internal LabelKeyValues? KeyValues { get; }

    internal BackboneReference Backbone { get; }

    internal int PredictionBatchSize { get; }

    internal TextClassifierNetwork Network => _network;

    /// <summary>The input schema plus <c>Score</c> and <c>PredictedLabel</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A text column is missing or not text.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return Columns.OutputSchema(inputSchema, LabelCount, KeyValues);
    }

    /// <summary>A mapper that scores one row at a time (used by PredictionEngine).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ThrowIfDisposed();
        return new BatchPredictorRowMapper<(string Text, string? Second), float[]>(inputSchema, new TextClassifierPredictor(this));
    }

    /// <summary>Returns a lazy view that scores rows in batches as it is read; nothing is computed here.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A text column is missing or not text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new BatchScoringDataView<(string Text, string? Second), float[]>(input, new TextClassifierPredictor(this));
    }

    /// <summary>
    /// Writes the adapter and head in Hugging Face PEFT's format (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>)
    /// with the key names of the architecture's <c>XxxForSequenceClassification</c>, so Python loads it with
    /// <c>PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(base, num_labels=...), directory)</c>.
    /// </summary>
    /// <param name="directory">The output folder; created when missing. Files are written atomically.</param>
    public void SaveAdapter(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ThrowIfDisposed();
        _network.Peft.SaveAdapter(directory);
    }

    /// <summary>Not supported: ML.NET's model writer is internal to ML.NET. Use <c>mlContext.Peft().Model.Save</c>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException(
            $"{nameof(LoraTextClassificationTransformer)} cannot be written by mlContext.Model.Save, whose writer API is internal to ML.NET. "
            + "Save the pipeline with mlContext.Peft().Model.Save(model, schema, path) and load it with mlContext.Peft().Model.Load(path, out schema).");

    string IPersistablePeftTransformer.StageKind => Kind;

    void IPersistablePeftTransformer.SaveTo(ZipArchive archive, string prefix)
    {
        ThrowIfDisposed();
        TextClassifierArchive.Save(this, archive, prefix);
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

    /// <summary>Tokenizes and scores rows (text, optional second text); returns probabilities per row, in order.</summary>
    internal float[][] ScoreEncoded(IReadOnlyList<(string Text, string? Second)> rows)
    {
        ThrowIfDisposed();
        var encoded = rows.Select(r => _network.Tokenizer.Encode(r.Text, Columns.SecondTextColumn is null ? null : r.Second ?? string.Empty)).ToList();
        return _network.Score(encoded, PredictionBatchSize);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
