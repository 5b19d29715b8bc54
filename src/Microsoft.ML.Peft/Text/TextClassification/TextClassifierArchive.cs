// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Persistence;
using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// A text classifier's folder inside a pipeline archive: <c>stage.json</c> (columns, classes and their key values, backbone
/// reference, tokenizer length), <c>adapter/</c> (the adapter and head in Hugging Face PEFT's format) and <c>tokenizer/</c>
/// (the tokenizer's files, so the model tokenizes the same way wherever it is loaded).
/// </summary>
internal static class TextClassifierArchive
{
    private const int Version = 1;
    private const string StageFile = "stage.json";
    private const string AdapterFolder = "adapter/";
    private const string TokenizerFolder = "tokenizer/";

    internal static void Save(LoraTextClassificationTransformer transformer, ZipArchive archive, string prefix)
    {
        var network = transformer.Network;
        var stage = new JsonObject
        {
            ["kind"] = LoraTextClassificationTransformer.Kind,
            ["version"] = Version,
            ["text_column"] = transformer.Columns.TextColumn,
            ["second_text_column"] = transformer.Columns.SecondTextColumn,
            ["score_column"] = transformer.Columns.ScoreColumn,
            ["predicted_label_column"] = transformer.Columns.PredictedLabelColumn,
            ["label_count"] = network.LabelCount,
            ["label_key_values"] = transformer.KeyValues?.ToJson(),
            ["backbone"] = transformer.Backbone.ToJson(),
            ["max_sequence_length"] = network.Tokenizer.MaxLength,
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

    internal static LoraTextClassificationTransformer Load(MLContext context, ZipArchive archive, string prefix, IReadOnlyList<PretrainedModel> backbones)
    {
        string source = $"{prefix}{StageFile}";
        var stage = PipelineArchive.ReadJson(archive, prefix + StageFile, source);
        int version = stage["version"]?.GetValue<int>() ?? 0;
        if (version != Version)
        {
            throw new InvalidDataException($"{source}: text classifier format version {version}; this version of Microsoft.ML.Peft reads version {Version}.");
        }

        var columns = new TextClassifierColumns(
            Required(stage, "text_column", source),
            stage["second_text_column"]?.GetValue<string>(),
            Required(stage, "score_column", source),
            Required(stage, "predicted_label_column", source));
        int labelCount = stage["label_count"]?.GetValue<int>() ?? throw new InvalidDataException($"{source}: missing \"label_count\".");
        var keyValues = stage["label_key_values"] is JsonObject values ? LabelKeyValues.FromJson(values, source) : null;
        var reference = BackboneReference.FromJson(stage["backbone"] as JsonObject ?? throw new InvalidDataException($"{source}: missing \"backbone\"."), source);
        var backbone = PipelineArchive.ResolveBackbone(reference, backbones).AsText("LoraTextClassifier");
        var tokenizer = backbone.Architecture.CreateTokenizer(
            PipelineArchive.ReadFolder(archive, prefix + TokenizerFolder, source),
            stage["max_sequence_length"]?.GetValue<int>() ?? backbone.MaxSequenceLength);

        var network = backbone.Architecture.CreateSequenceClassifier(backbone.CreateEncoder(), labelCount);
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
            return new LoraTextClassificationTransformer(
                new TextClassifierNetwork(peft, network, tokenizer, device),
                columns,
                keyValues,
                reference,
                stage["prediction_batch_size"]?.GetValue<int>() ?? 64,
                trainingInfo: null);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static string Required(JsonObject json, string field, string source) =>
        json[field]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: missing \"{field}\".");
}
