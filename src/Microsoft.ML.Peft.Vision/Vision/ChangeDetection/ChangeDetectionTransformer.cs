// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.ChangeDetection;

namespace Microsoft.ML.Peft;

/// <summary>
/// A fitted change detector: a pretrained vision encoder with a trained PEFT adapter, shared by both dates, and a trained
/// decoder. <see cref="PeftTaskTransformer.Transform"/> adds the change probability of every pixel (a vector of float with the
/// dimensions (<see cref="TileHeight"/>, <see cref="TileWidth"/>), row-major) and the predicted mask (a vector of Boolean of
/// the same dimensions, true where the probability is above <see cref="Threshold"/>), computed lazily in batches as a cursor
/// moves. <c>mlContext.Peft().EvaluateChangeDetector</c> scores the mask against the truth.
/// </summary>
/// <remarks>
/// <see cref="PeftTaskTransformer.SaveAdapter"/> writes the adapter under this network's names: the encoder's keys (for
/// ResNet-18, torchvision's <c>resnet18</c> keys) under <c>encoder.</c>, and the decoder in <c>modules_to_save</c> under
/// <c>decoder.</c>; PEFT loads it onto a Python module of the same layout.
/// </remarks>
public sealed class ChangeDetectionTransformer : PeftTaskTransformer
{
    internal const string Kind = "change-detector";

    internal ChangeDetectionTransformer(ChangeDetectorScorer scorer, ChangeDetectorColumns columns, ChangeTile tile, BackboneReference backbone, int predictionBatchSize, ChangeDetectorTrainingInfo? trainingInfo)
        : base(backbone, predictionBatchSize)
    {
        Scorer = scorer;
        Columns = columns;
        Tile = tile;
        TrainingInfo = trainingInfo;
    }

    /// <summary>The height of the image pairs it scores, the first dimension of its output columns.</summary>
    public int TileHeight => Tile.Height;

    /// <summary>The width of the image pairs it scores, the second dimension of its output columns.</summary>
    public int TileWidth => Tile.Width;

    /// <summary>The change probability above which a pixel is predicted as change.</summary>
    public double Threshold => Scorer.Threshold;

    /// <summary>What training did; null for a transformer loaded from a file.</summary>
    public ChangeDetectorTrainingInfo? TrainingInfo { get; }

    internal ChangeDetectorColumns Columns { get; }

    internal ChangeTile Tile { get; }

    internal ChangeDetectorScorer Scorer { get; }

    internal override string StageKind => Kind;

    internal override PeftModel AdapterModel => Scorer.Peft;

    internal override DataViewSchema OutputSchema(DataViewSchema inputSchema) => Columns.OutputSchema(inputSchema, Tile);

    internal override IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema) =>
        new BatchPredictorRowMapper<ImagePair, ChangeMap>(inputSchema, new ChangeDetectorPredictor(this));

    internal override IDataView CreateScoringView(IDataView input) =>
        new BatchScoringDataView<ImagePair, ChangeMap>(input, new ChangeDetectorPredictor(this));

    internal override void SaveStage(ZipArchive archive, string prefix) => ChangeDetectorArchive.Save(this, archive, prefix);

    internal override void DisposeNetwork() => Scorer.Dispose();

    internal ChangeMap[] Score(IReadOnlyList<ImagePair> pairs)
    {
        ThrowIfDisposed();
        return Scorer.Score(pairs, PredictionBatchSize);
    }
}
