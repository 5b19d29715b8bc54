// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Persistence;
using Microsoft.ML.Peft.Text.TextClassification;
using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A tagger's folder inside a pipeline archive: <c>stage.json</c> (columns, tag names, backbone reference, window settings),
/// <c>adapter/</c> (Hugging Face PEFT format) and <c>tokenizer/</c>, laid out as the text classifier's.
/// </summary>
internal static class NamedEntityArchive
{
    private const int Version = 1;
    private const string StageFile = "stage.json";
    private const string AdapterFolder = "adapter/";
    private const string TokenizerFolder = "tokenizer/";

    internal static void Save(LoraNamedEntityRecognitionTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var stage = new JsonObject
        {
            ["kind"] = LoraNamedEntityRecognitionTransformer.Kind,
            ["version"] = Version,
            ["tokens_column"] = transformer.Columns.TokensColumn,
            ["predicted_tags_column"] = transformer.Columns.PredictedTagsColumn,
            ["text_column"] = transformer.Columns.TextColumn,
            ["tag_count"] = network.LabelCount,
            ["tag_key_values"] = transformer.TagNames?.ToJson(),
            ["backbone"] = transformer.Backbone.ToJson(),
            ["max_sequence_length"] = network.Tokenizer.MaxLength,
            ["window_overlap"] = network.WindowOverlap,
            ["prediction_batch_size"] = transformer.PredictionBatchSize,
            ["merged"] = network.Peft.IsMerged,
        };
        PipelineArchive.WriteEntry(archive, prefix + StageFile, s => JsonSerializer.Serialize(s, stage, new JsonSerializerOptions { WriteIndented = true }));
        PipelineArchive.WriteAdapter(archive, prefix + AdapterFolder, transformer.SaveAdapter);
        foreach (var (name, bytes) in network.Tokenizer.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            PipelineArchive.WriteEntry(archive, prefix + TokenizerFolder + name, s => s.Write(bytes));
        }
    }

    internal static LoraNamedEntityRecognitionTransformer Load(MLContext context, ZipArchive archive, string prefix, IReadOnlyList<PretrainedModel> backbones)
    {
        string source = prefix + StageFile;
        var stage = PipelineArchive.ReadJson(archive, source, source);
        int version = stage["version"]?.GetValue<int>() ?? 0;
        if (version != Version)
        {
            throw new InvalidDataException($"{source}: named-entity recognizer format version {version}; this version of Microsoft.ML.Peft reads version {Version}.");
        }

        var columns = new NamedEntityColumns(
            stage["tokens_column"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: missing \"tokens_column\"."),
            stage["predicted_tags_column"]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: missing \"predicted_tags_column\"."),
            stage["text_column"]?.GetValue<string>());
        int tagCount = stage["tag_count"]?.GetValue<int>() ?? throw new InvalidDataException($"{source}: missing \"tag_count\".");
        var tagNames = stage["tag_key_values"] is JsonObject values ? LabelKeyValues.FromJson(values, source) : null;
        var reference = BackboneReference.FromJson(stage["backbone"] as JsonObject ?? throw new InvalidDataException($"{source}: missing \"backbone\"."), source);
        var backbone = PipelineArchive.ResolveBackbone(reference, backbones).AsText("LoraNamedEntityRecognizer");
        var tokenizer = backbone.Architecture.CreateTokenizer(
            PipelineArchive.ReadFolder(archive, prefix + TokenizerFolder, source),
            stage["max_sequence_length"]?.GetValue<int>() ?? backbone.MaxSequenceLength);

        var network = backbone.Architecture.CreateTokenClassifier(backbone.CreateEncoder(), tagCount);
        try
        {
            var peft = PipelineArchive.ReadAdapter(archive, prefix + AdapterFolder, source, network);
            if (stage["merged"]?.GetValue<bool>() == true)
            {
                peft.MergeAdapter();
            }

            var device = DeviceSelector.Select(context);
            peft.To(device);
            network.eval();
            return new LoraNamedEntityRecognitionTransformer(
                new TokenClassifierNetwork(peft, network, tokenizer, stage["window_overlap"]?.GetValue<int>(), device),
                columns,
                tagNames,
                reference,
                stage["prediction_batch_size"]?.GetValue<int>() ?? 32,
                trainingInfo: null);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
