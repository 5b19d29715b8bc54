// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// A change detector as a stage folder (<see cref="StageArchive"/>): its fields of <c>stage.json</c> are the columns
/// (<c>before_column</c>, <c>after_column</c>, <c>probability_column</c>, <c>predicted_mask_column</c>), the tile size
/// (<c>tile_height</c>, <c>tile_width</c>) and <c>threshold</c>; the image processor's files go to <c>image_processor/</c>.
/// </summary>
internal static class ChangeDetectorArchive
{
    private const string ProcessorFolder = "image_processor/";

    internal static void Save(ChangeDetectionTransformer transformer, ZipArchive archive, string prefix)
    {
        var scorer = transformer.Scorer;
        var fields = transformer.Columns.ToJson();
        fields["tile_height"] = transformer.Tile.Height;
        fields["tile_width"] = transformer.Tile.Width;
        fields["threshold"] = scorer.Threshold;
        StageArchive.Save(archive, prefix, new StageRecord(ChangeDetectionTransformer.Kind, transformer.Backbone, scorer.Peft, transformer.PredictionBatchSize, scorer.Processor.Files, fields)
        {
            PreprocessorFolder = ProcessorFolder,
        });
    }

    internal static ITransformer Load(StageLoadContext context)
    {
        var stage = StageArchive.Load(context, "change detector");
        var tile = new ChangeTile(stage.RequiredInt("tile_height"), stage.RequiredInt("tile_width"));
        if (tile.Height < 1 || tile.Width < 1)
        {
            throw new InvalidDataException($"{stage.Source}: \"tile_height\" and \"tile_width\" must be positive, got {tile.Height} and {tile.Width}.");
        }

        double threshold = stage.Fields["threshold"]?.GetValue<double>() ?? throw new InvalidDataException($"{stage.Source}: missing \"threshold\".");
        if (!(threshold > 0 && threshold < 1))
        {
            throw new InvalidDataException($"{stage.Source}: \"threshold\" must be between 0 and 1 exclusive, got {threshold}.");
        }

        var backbone = stage.Backbone.AsVision(ChangeDetectorTrainer.LogName);
        var processor = ImageProcessor.FromFiles(stage.PreprocessorFiles, backbone.Architecture.DefaultProcessorConfig, stage.Source);
        var network = new ChangeDetectionNetwork(backbone.CreateEncoder());
        return stage.Build(network, (peft, device) =>
            new ChangeDetectionTransformer(
                new ChangeDetectorScorer(peft, network, processor, device, threshold), ChangeDetectorColumns.FromJson(stage), tile, stage.Reference, stage.PredictionBatchSize(ChangeDetectorOptions.Defaults.BatchSize), trainingInfo: null));
    }
}
