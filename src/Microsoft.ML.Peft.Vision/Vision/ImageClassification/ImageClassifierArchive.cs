// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// An image classifier as a stage folder (<see cref="StageArchive"/>): its fields of <c>stage.json</c> are the columns
/// (<c>image_column</c>, <c>score_column</c>, <c>probability_column</c>, <c>predicted_label_column</c>) and the label
/// (<c>label_type</c>, <c>label_count</c>, <c>label_key_values</c>); the image processor's files go to <c>image_processor/</c>.
/// </summary>
internal static class ImageClassifierArchive
{
    private const string ProcessorFolder = "image_processor/";
    private const int DefaultPredictionBatchSize = 32;

    internal static void Save(ImageClassificationTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var fields = transformer.Columns.ToJson();
        transformer.Label.WriteTo(fields);
        ImageClassifierHeads.WriteTo(fields, network.Network);
        StageArchive.Save(archive, prefix, new StageRecord(ImageClassificationTransformer.Kind, transformer.Backbone, network.Peft, transformer.PredictionBatchSize, network.Processor.Files, fields)
        {
            PreprocessorFolder = ProcessorFolder,
        });
    }

    internal static ITransformer Load(StageLoadContext context)
    {
        var stage = StageArchive.Load(context, "image classifier");
        var label = ClassifierLabel.ReadFrom(stage);
        var backbone = stage.Backbone.AsVision(ImageClassifierTrainer.LogName);

        // The processor is rebuilt from the files saved with the stage, so a loaded model prepares images as the trained one did.
        var processor = ImageProcessor.FromFiles(stage.PreprocessorFiles, backbone.Architecture.DefaultProcessorConfig, stage.Source);
        var network = ImageClassifierHeads.Create(backbone, stage, label.ClassCount);
        return stage.Build(network, (peft, device) =>
            new ImageClassificationTransformer(new ImageClassifierNetwork(peft, network, processor, device), ImageClassifierColumns.FromJson(stage), label, stage.Reference, stage.PredictionBatchSize(DefaultPredictionBatchSize), trainingInfo: null));
    }
}
