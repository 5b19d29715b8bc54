// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
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

        string temporary = Directory.CreateTempSubdirectory("peft-adapter-").FullName;
        try
        {
            transformer.SaveAdapter(temporary);
            foreach (string file in Directory.GetFiles(temporary).Order(StringComparer.Ordinal))
            {
                PipelineArchive.WriteEntry(archive, prefix + AdapterFolder + Path.GetFileName(file), s => s.Write(File.ReadAllBytes(file)));
            }
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }

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
        var backbone = ResolveBackbone(reference, backbones);

        var tokenizerFiles = archive.Entries
            .Where(e => e.FullName.StartsWith(prefix + TokenizerFolder, StringComparison.Ordinal) && e.Name.Length > 0)
            .ToDictionary(e => e.Name, e => PipelineArchive.ReadBytes(archive, e.FullName, source), StringComparer.Ordinal);
        var tokenizer = backbone.Architecture.CreateTokenizer(tokenizerFiles, stage["max_sequence_length"]?.GetValue<int>() ?? backbone.MaxSequenceLength);

        string temporary = Directory.CreateTempSubdirectory("peft-adapter-").FullName;
        var network = backbone.Architecture.CreateSequenceClassifier(backbone.CreateEncoder(), labelCount);
        try
        {
            foreach (var entry in archive.Entries.Where(e => e.FullName.StartsWith(prefix + AdapterFolder, StringComparison.Ordinal) && e.Name.Length > 0))
            {
                File.WriteAllBytes(Path.Combine(temporary, entry.Name), PipelineArchive.ReadBytes(archive, entry.FullName, source));
            }

            var peft = PeftModel.FromPretrained(network, temporary);
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
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    private static string Required(JsonObject json, string field, string source) =>
        json[field]?.GetValue<string>() ?? throw new InvalidDataException($"{source}: missing \"{field}\".");

    /// <summary>A given backbone with the same weights, else the recorded folder if it still exists.</summary>
    private static PretrainedModel ResolveBackbone(BackboneReference reference, IReadOnlyList<PretrainedModel> backbones)
    {
        foreach (var candidate in backbones.Where(b => b.ModelType == reference.ModelType))
        {
            if (candidate.GetFingerprint() == reference.Fingerprint)
            {
                return candidate;
            }
        }

        if (reference.Directory is { } directory && Directory.Exists(directory))
        {
            var reopened = PretrainedModel.FromDirectory(directory);
            reference.Verify(reopened);
            return reopened;
        }

        throw new InvalidOperationException(
            $"The model was trained on the {reference.ModelType} backbone from '{reference.Source}', which "
            + (backbones.Count > 0 ? "none of the given backbones matches (different weights) and which " : string.Empty)
            + "cannot be reopened from a folder. Pass it to Load: mlContext.Peft().Model.Load(path, out schema, backbone).");
    }
}
