// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The tagger's fields of a <see cref="StageArchive"/> folder: its columns, the number of tags and their names, the tokenizer's
/// length and the window overlap; the tokenizer's files are the stage's preprocessor files.
/// </summary>
internal static class NamedEntityArchive
{
    private const int DefaultPredictionBatchSize = 32;

    internal static void Save(LoraNamedEntityRecognitionTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var fields = transformer.Columns.ToJson();
        fields["window_overlap"] = network.WindowOverlap;
        LabelKeyValues.WriteClasses(fields, "tag", network.LabelCount, transformer.TagNames);
        TextStageTokenizer.Write(fields, network.Tokenizer);
        StageArchive.Save(archive, prefix, new StageRecord(LoraNamedEntityRecognitionTransformer.Kind, transformer.Backbone, network.Peft, transformer.PredictionBatchSize, network.Tokenizer.Files, fields));
    }

    internal static ITransformer Load(StageLoadContext context)
    {
        var stage = StageArchive.Load(context, "named-entity recognizer");
        int? windowOverlap = stage.Fields["window_overlap"]?.GetValue<int>();
        var (tagCount, tagNames) = stage.Classes("tag");
        var backbone = stage.Backbone.AsText("LoraNamedEntityRecognizer");
        var tokenizer = TextStageTokenizer.Read(stage, backbone);
        var network = backbone.Architecture.CreateTokenClassifier(backbone.CreateEncoder(), tagCount);
        return stage.Build(network, (peft, device) =>
            new LoraNamedEntityRecognitionTransformer(new TokenClassifierNetwork(peft, network, tokenizer, windowOverlap, device), NamedEntityColumns.FromJson(stage), tagNames, stage.Reference, stage.PredictionBatchSize(DefaultPredictionBatchSize), trainingInfo: null));
    }
}
