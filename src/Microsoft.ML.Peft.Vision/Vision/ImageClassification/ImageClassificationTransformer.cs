// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// A fitted image classifier: a pretrained vision backbone with a trained PEFT adapter and head. <see cref="PeftTaskTransformer.Transform"/>
/// adds <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (a key with the label column's values), or after a Boolean
/// label (<see cref="IsBinary"/>) a binary trainer's <c>Score</c> (margin), <c>Probability</c> and Boolean <c>PredictedLabel</c>,
/// computed lazily in batches as a cursor moves.
/// </summary>
/// <remarks>
/// <c>LoadImages</c> stages before it are saved by ML.NET itself inside <c>mlContext.Peft().Model.Save</c>'s archive.
/// <see cref="PeftTaskTransformer.SaveAdapter"/> writes the key names of the backbone's Python classifier
/// (<c>ViTForImageClassification</c>, torchvision's <c>resnet18</c>).
/// </remarks>
public sealed class ImageClassificationTransformer : PeftTaskTransformer
{
    internal const string Kind = "image-classifier";

    internal ImageClassificationTransformer(ImageClassifierNetwork network, ImageClassifierColumns columns, ClassifierLabel label, BackboneReference backbone, int predictionBatchSize, ImageClassifierTrainingInfo? trainingInfo)
        : base(backbone, predictionBatchSize)
    {
        Network = network;
        Columns = columns;
        Label = label;
        TrainingInfo = trainingInfo;
    }

    /// <summary>The number of classes.</summary>
    public int ClassCount => Network.ClassCount;

    /// <summary>
    /// Whether the classifier was trained on a Boolean label and adds the binary columns (<c>Score</c>, <c>Probability</c>,
    /// <c>PredictedLabel</c> of type Boolean) rather than the multiclass ones; kept when the model is saved and loaded.
    /// </summary>
    public bool IsBinary => Label.IsBinary;

    /// <summary>What training did; null for a transformer loaded from a file.</summary>
    public ImageClassifierTrainingInfo? TrainingInfo { get; }

    internal ImageClassifierColumns Columns { get; }

    internal ClassifierLabel Label { get; }

    internal ImageClassifierNetwork Network { get; }

    internal override string StageKind => Kind;

    internal override PeftModel AdapterModel => Network.Peft;

    internal override DataViewSchema OutputSchema(DataViewSchema inputSchema) => Columns.OutputSchema(inputSchema, Label, Network.Network.Encoder.FeatureSize);

    internal override IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema) =>
        new BatchPredictorRowMapper<RgbImage, ClassScores>(inputSchema, new ImageClassifierPredictor(this));

    internal override IDataView CreateScoringView(IDataView input) =>
        new BatchScoringDataView<RgbImage, ClassScores>(input, new ImageClassifierPredictor(this));

    internal override void SaveStage(ZipArchive archive, string prefix) => ImageClassifierArchive.Save(this, archive, prefix);

    internal override void DisposeNetwork() => Network.Dispose();

    internal ClassScores[] Score(IReadOnlyList<RgbImage> images)
    {
        ThrowIfDisposed();
        return Network.Score(images, PredictionBatchSize, withFeatures: Columns.Features is not null);
    }
}
