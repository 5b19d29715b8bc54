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
/// and a token-classification head. <see cref="PeftTaskTransformer.Transform"/> adds the predicted tags, a vector of keys (one per token) carrying
/// the tag names, so <c>MapKeyToValue</c> turns them back into text. When trained with
/// <see cref="LoraNamedEntityRecognizerOptions.TextColumnName"/>, data that has that column is read as raw text: it is split into
/// words as the backbone's tokenizer splits text, the tags are predicted over those words, and the entity span columns
/// <c>EntityStarts</c>, <c>EntityLengths</c>, <c>EntityTypes</c> and <c>EntityScores</c> are added.
/// </summary>
/// <remarks>
/// <see cref="PeftTaskTransformer.SaveAdapter"/> writes the key names of the architecture's <c>XxxForTokenClassification</c>,
/// for <c>PeftModel.from_pretrained(AutoModelForTokenClassification.from_pretrained(base, num_labels=...), directory)</c>.
/// </remarks>
public sealed class LoraNamedEntityRecognitionTransformer : PeftTaskTransformer
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "named-entity-recognizer";

    private readonly EntityTag[]? _entityTags;

    internal LoraNamedEntityRecognitionTransformer(TokenClassifierNetwork network, NamedEntityColumns columns, LabelKeyValues? tagNames, BackboneReference backbone, int predictionBatchSize, NamedEntityRecognizerTrainingInfo? trainingInfo)
        : base(backbone, predictionBatchSize)
    {
        Network = network;
        Columns = columns;
        TagNames = tagNames;
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

    internal TokenClassifierNetwork Network { get; }

    internal NamedEntityColumns Columns { get; }

    internal LabelKeyValues? TagNames { get; }

    internal override string StageKind => Kind;

    internal override PeftModel AdapterModel => Network.Peft;

    internal override DataViewSchema OutputSchema(DataViewSchema inputSchema) => Columns.OutputSchema(inputSchema, TagCount, TagNames);

    internal override IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema) =>
        new BatchPredictorRowMapper<TaggerInput, SentencePrediction>(inputSchema, new NamedEntityPredictor(this));

    internal override IDataView CreateScoringView(IDataView input) =>
        new BatchScoringDataView<TaggerInput, SentencePrediction>(input, new NamedEntityPredictor(this));

    internal override void SaveStage(ZipArchive archive, string prefix) => NamedEntityArchive.Save(this, archive, prefix);

    internal override void DisposeNetwork() => Network.Dispose();

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
}
