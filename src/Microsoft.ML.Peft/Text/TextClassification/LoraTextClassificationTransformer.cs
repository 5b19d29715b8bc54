// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// A text classifier trained by <see cref="LoraTextClassificationEstimator"/>: a pretrained encoder with a PEFT adapter and a
/// classification head. <see cref="PeftTaskTransformer.Transform"/> adds <c>Score</c> (vector of class probabilities, slot names
/// = the label's key values) and <c>PredictedLabel</c> (a key carrying the label's key values, so <c>MapKeyToValue</c> turns it
/// back into text); trained on a Boolean label (<see cref="IsBinary"/>), it adds a binary trainer's <c>Score</c> (margin),
/// <c>Probability</c> and Boolean <c>PredictedLabel</c> instead.
/// </summary>
/// <remarks>
/// <see cref="PeftTaskTransformer.SaveAdapter"/> writes the key names of the architecture's <c>XxxForSequenceClassification</c>,
/// so Python loads it with <c>PeftModel.from_pretrained(AutoModelForSequenceClassification.from_pretrained(base, num_labels=...), directory)</c>.
/// </remarks>
public sealed class LoraTextClassificationTransformer : PeftTaskTransformer
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "text-classifier";

    internal LoraTextClassificationTransformer(TextClassifierNetwork network, TextClassifierColumns columns, ClassifierLabel label, BackboneReference backbone, int predictionBatchSize, TextClassifierTrainingInfo? trainingInfo)
        : base(backbone, predictionBatchSize)
    {
        Network = network;
        Columns = columns;
        Label = label;
        TrainingInfo = trainingInfo;
    }

    /// <summary>Number of classes.</summary>
    public int LabelCount => Network.LabelCount;

    /// <summary>
    /// Whether the classifier was trained on a Boolean label and adds the binary columns (<c>Score</c>, <c>Probability</c>,
    /// <c>PredictedLabel</c> of type Boolean) rather than the multiclass ones; kept when the model is saved and loaded.
    /// </summary>
    public bool IsBinary => Label.IsBinary;

    /// <summary>What happened during training (null for a loaded model).</summary>
    public TextClassifierTrainingInfo? TrainingInfo { get; }

    internal TextClassifierColumns Columns { get; }

    internal ClassifierLabel Label { get; }

    internal TextClassifierNetwork Network { get; }

    internal override string StageKind => Kind;

    internal override PeftModel AdapterModel => Network.Peft;

    internal override DataViewSchema OutputSchema(DataViewSchema inputSchema) => Columns.OutputSchema(inputSchema, Label);

    internal override IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema) =>
        new BatchPredictorRowMapper<(string Text, string? Second), ClassScores>(inputSchema, new TextClassifierPredictor(this));

    internal override IDataView CreateScoringView(IDataView input) =>
        new BatchScoringDataView<(string Text, string? Second), ClassScores>(input, new TextClassifierPredictor(this));

    internal override void SaveStage(ZipArchive archive, string prefix) => TextClassifierArchive.Save(this, archive, prefix);

    internal override void DisposeNetwork() => Network.Dispose();

    /// <summary>Tokenizes and scores rows (text, optional second text); returns the scores of each row, in order.</summary>
    internal ClassScores[] ScoreEncoded(IReadOnlyList<(string Text, string? Second)> rows)
    {
        ThrowIfDisposed();
        var encoded = rows.Select(r => Network.Tokenizer.Encode(r.Text, Columns.SecondTextColumn is null ? null : r.Second ?? string.Empty)).ToList();
        return Network.Score(encoded, PredictionBatchSize);
    }
}
