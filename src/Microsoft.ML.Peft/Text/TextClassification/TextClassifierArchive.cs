// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// The text classifier's fields of a <see cref="StageArchive"/> folder: its columns, the label's type (key or Boolean), the
/// number of classes and their key values, and the tokenizer's length; the tokenizer's files are the stage's preprocessor files.
/// </summary>
internal static class TextClassifierArchive
{
    private const int DefaultPredictionBatchSize = 64;

    internal static void Save(LoraTextClassificationTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var fields = transformer.Columns.ToJson();
        transformer.Label.WriteTo(fields);
        TextStageTokenizer.Write(fields, network.Tokenizer);
        StageArchive.Save(archive, prefix, new StageRecord(LoraTextClassificationTransformer.Kind, transformer.Backbone, network.Peft, transformer.PredictionBatchSize, network.Tokenizer.Files, fields));
    }

    internal static ITransformer Load(StageLoadContext context)
    {
        var stage = StageArchive.Load(context, "text classifier");
        var label = ClassifierLabel.ReadFrom(stage);
        var backbone = stage.Backbone.AsText("LoraTextClassifier");
        var tokenizer = TextStageTokenizer.Read(stage, backbone);
        var network = backbone.Architecture.CreateSequenceClassifier(backbone.CreateEncoder(), label.ClassCount);
        return stage.Build(network, (peft, device) =>
            new LoraTextClassificationTransformer(new TextClassifierNetwork(peft, network, tokenizer, device), TextClassifierColumns.FromJson(stage), label, stage.Reference, stage.PredictionBatchSize(DefaultPredictionBatchSize), trainingInfo: null));
    }
}
