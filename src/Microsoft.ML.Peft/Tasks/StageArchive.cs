// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The folder a PEFT stage is saved as inside a pipeline archive, the same for every task; the task adds its own fields to
/// <c>stage.json</c> (<see cref="StageRecord.TaskFields"/>) and reads them back from <see cref="LoadedStage.Fields"/>.
/// </summary>
/// <remarks>
/// <code>
/// *** Stage folder format ***
/// stage.json                       JSON object:
///   "kind"                  string  the stage kind, the key of <see cref="StageLoaderRegistry"/> (also in the manifest)
///   "version"               int     this format's version, 1
///   "backbone"              object  the pretrained model's reference: model type, source, folder, weights' fingerprint
///   "prediction_batch_size" int     rows predicted at once by Transform; absent: the task's default
///   "merged"                bool    the adapter was merged into the base weights when saved; it is merged again on load
///   "adapter"               bool    false for a stage that applies no adapter (a text embedding of the bare encoder),
///                                   whose adapter/ folder is then empty; absent: true
///   "preprocessor"          string  the folder of the preprocessor's files, e.g. "tokenizer/"; absent: "tokenizer/"
///   ...                             the task's fields, e.g. the text classifier's "text_column", "label_count",
///                                   "label_key_values", "max_sequence_length"
/// adapter/                         the adapter and head in Hugging Face PEFT's format (adapter_config.json,
///                                  adapter_model.safetensors), as the transformer's SaveAdapter writes it
/// tokenizer/                       the preprocessor's files (a tokenizer's vocab.txt, tokenizer.json, ...), so the
///                                  model prepares inputs the same way wherever it is loaded
/// </code>
/// The base model's weights are not stored. Text stages keep the folder name <c>tokenizer/</c>, so archives written now load
/// in versions that predate the <c>"preprocessor"</c> field, and those versions' archives load here.
/// </remarks>
internal static class StageArchive
{
    internal const int Version = 1;
    internal const string StageFile = "stage.json";
    internal const string AdapterFolder = "adapter/";

    /// <summary>The preprocessor folder of text stages, and of stages saved before the folder was recorded.</summary>
    internal const string TokenizerFolder = "tokenizer/";

    internal static void Save(ZipArchive archive, string prefix, StageRecord stage)
    {
        var json = new JsonObject
        {
            ["kind"] = stage.Kind,
            ["version"] = Version,
        };
        foreach (var (name, value) in stage.TaskFields)
        {
            json[name] = value?.DeepClone();
        }

        json["backbone"] = stage.Backbone.ToJson();
        json["prediction_batch_size"] = stage.PredictionBatchSize;
        json["merged"] = stage.Peft.IsMerged;
        json["adapter"] = stage.Peft.AdapterNames.Count > 0;
        json["preprocessor"] = stage.PreprocessorFolder;
        ArchiveEntries.WriteJson(archive, prefix + StageFile, json);
        if (stage.Peft.AdapterNames.Count > 0)
        {
            ArchiveEntries.WriteAdapter(archive, prefix + AdapterFolder, directory => stage.Peft.SaveAdapter(directory));
        }

        ArchiveEntries.WriteFolder(archive, prefix + stage.PreprocessorFolder, stage.PreprocessorFiles);
    }

    /// <summary>Reads a stage's <c>stage.json</c>, resolves its backbone and reads its preprocessor files; the adapter is read by <see cref="LoadedStage.Build"/>.</summary>
    /// <param name="context">The archive and stage folder.</param>
    /// <param name="description">The stage's name in messages, e.g. "text classifier".</param>
    /// <exception cref="InvalidDataException">The stage is of another format version, or a field is missing.</exception>
    internal static LoadedStage Load(StageLoadContext context, string description)
    {
        string entry = context.Prefix + StageFile;
        string source = context.Describe(entry);
        var json = ArchiveEntries.ReadJson(context.Archive, entry, context.ArchivePath);
        int version = json["version"]?.GetValue<int>() ?? 0;
        if (version != Version)
        {
            throw new InvalidDataException($"{source}: {description} format version {version}; this version of Microsoft.ML.Peft reads version {Version}.");
        }

        var reference = BackboneReference.FromJson(json["backbone"] as JsonObject ?? throw new InvalidDataException($"{source}: missing \"backbone\"."), source);
        var backbone = context.ResolveBackbone(reference);
        string preprocessor = json["preprocessor"]?.GetValue<string>() ?? TokenizerFolder;
        return new LoadedStage(context, json, source, reference, backbone, ArchiveEntries.ReadFolder(context.Archive, context.Prefix + preprocessor, context.ArchivePath));
    }
}
