// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// A named-entity tagger trained by <see cref="LoraNamedEntityRecognitionEstimator"/>: a pretrained encoder with a PEFT adapter
/// and a token-classification head. <see cref="Transform"/> adds the predicted tags, a vector of keys (one per token) carrying
/// the tag names, so <c>MapKeyToValue</c> turns them back into text. When trained with
/// <see cref="LoraNamedEntityRecognizerOptions.TextColumnName"/>, data that has that column is read as raw text: it is split into
/// words as the backbone's tokenizer splits text, the tags are predicted over those words, and the entity span columns
/// <c>EntityStarts</c>, <c>EntityLengths</c>, <c>EntityTypes</c> and <c>EntityScores</c> are added.
/// </summary>
/// <remarks>
/// Save a pipeline containing it with <c>mlContext.Peft().Model.Save</c>; <see cref="SaveAdapter"/> exports the adapter alone in
/// Hugging Face PEFT's format with the <c>XxxForTokenClassification</c> key names. Dispose it to free native memory at once.
/// </remarks>
public sealed class LoraNamedEntityRecognitionTransformer : ITransformer, IPersistablePeftTransformer, IDisposable
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "named-entity-recognizer";

    private readonly EntityTag[]? _entityTags;
    private bool _disposed;

    internal LoraNamedEntityRecognitionTransformer(TokenClassifierNetwork network, NamedEntityColumns columns, LabelKeyValues? tagNames, BackboneReference backbone, int predictionBatchSize, NamedEntityRecognizerTrainingInfo? trainingInfo)
    {
        Network = network;
        Columns = columns;
        TagNames = tagNames;
        Backbone = backbone;
        PredictionBatchSize = predictionBatchSize;
        TrainingInfo = trainingInfo;
        if (columns.TextColumn is not null)
        {
            _entityTags = EntitySpanDecoder.ParseTagNames(RequireTagNames(tagNames, columns.TextColumn).Names(), columns.TextColumn);
        }
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

    /// <summary>The input schema plus the predicted tags column and, for raw text, the entity span columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text column is not text, or the column to tag is missing or not a vector of text.</exception>
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
        return new BatchPredictorRowMapper<TaggerInput, SentencePrediction>(inputSchema, new NamedEntityPredictor(this));
    }

    /// <summary>Returns a lazy view that tags sentences in batches as it is read.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text column is not text, or the column to tag is missing or not a vector of text.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed();
        return new BatchScoringDataView<TaggerInput, SentencePrediction>(input, new NamedEntityPredictor(this));
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

    /// <summary>
    /// Tags given words as they are and splits raw texts into words first (<see cref="Backbones.Text.TextTokenizer.SplitWords"/>),
    /// then decodes the entity spans of the texts over their original characters. An empty text has no word and no entity.
    /// </summary>
    internal SentencePrediction[] Predict(IReadOnlyList<TaggerInput> inputs)
    {
        ThrowIfDisposed();
        var spans = inputs.Select(i => i.Words is null ? Network.Tokenizer.SplitWords(i.Text ?? string.Empty) : null).ToArray();
        var words = inputs.Select((input, k) => input.Words ?? spans[k]!.Select(s => s.In(input.Text!)).ToArray()).ToList();
        var predicted = Network.PredictWords(words.Select(w => Network.Encode(w)).ToList(), PredictionBatchSize);
        return predicted.Select((p, k) => new SentencePrediction(
            p.Select(w => w.Tag).ToArray(),
            spans[k] is { } textWords ? EntitySpanDecoder.Decode(textWords, p, _entityTags!) : null)).ToArray();
    }

    /// <summary>The tag names, without which raw text cannot be given entity types.</summary>
    internal static LabelKeyValues RequireTagNames(LabelKeyValues? tagNames, string textColumn) =>
        tagNames ?? throw new InvalidOperationException(
            $"Entity spans for text column '{textColumn}' need the tag names, but the tags column has no key values. "
            + "Build the tags column with mlContext.Transforms.Conversion.MapValueToKey over the tag text, or leave TextColumnName null.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
