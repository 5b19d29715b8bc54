// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>A stage read by <see cref="StageArchive.Load"/>: its fields, backbone and preprocessor files, and the adapter to load onto the task's network.</summary>
internal sealed class LoadedStage
{
    private readonly StageLoadContext _context;

    internal LoadedStage(StageLoadContext context, JsonObject fields, string source, BackboneReference reference, PretrainedModel backbone, IReadOnlyDictionary<string, byte[]> preprocessorFiles)
    {
        _context = context;
        Fields = fields;
        Source = source;
        Reference = reference;
        Backbone = backbone;
        PreprocessorFiles = preprocessorFiles;
    }

    /// <summary>All of <c>stage.json</c>, the task's fields included.</summary>
    internal JsonObject Fields { get; }

    /// <summary>The entry's name, for messages.</summary>
    internal string Source { get; }

    internal BackboneReference Reference { get; }

    internal PretrainedModel Backbone { get; }

    internal IReadOnlyDictionary<string, byte[]> PreprocessorFiles { get; }

    /// <summary>The saved prediction batch size, or <paramref name="taskDefault"/> when absent.</summary>
    internal int PredictionBatchSize(int taskDefault) => Fields["prediction_batch_size"]?.GetValue<int>() ?? taskDefault;

    /// <summary>A string field the task requires.</summary>
    /// <exception cref="InvalidDataException">The field is missing.</exception>
    internal string RequiredString(string field) =>
        Fields[field]?.GetValue<string>() ?? throw new InvalidDataException($"{Source}: missing \"{field}\".");

    /// <summary>A string field that may be absent (null then).</summary>
    /// <exception cref="InvalidDataException">The field is not a string.</exception>
    internal string? OptionalString(string field) => Fields[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? text) => text,
        _ => throw new InvalidDataException($"{Source}: \"{field}\" must be a string."),
    };

    /// <summary>An array of strings that may be absent (null then).</summary>
    /// <exception cref="InvalidDataException">The field is not an array of strings.</exception>
    internal IReadOnlyList<string>? OptionalStrings(string field)
    {
        if (Fields[field] is null)
        {
            return null;
        }

        if (Fields[field] is not JsonArray items)
        {
            throw new InvalidDataException($"{Source}: \"{field}\" must be an array of strings.");
        }

        return items.Select(item => item is JsonValue value && value.TryGetValue(out string? text)
            ? text
            : throw new InvalidDataException($"{Source}: \"{field}\" must be an array of strings.")).ToArray();
    }

    /// <summary>An integer field the task requires.</summary>
    /// <exception cref="InvalidDataException">The field is missing.</exception>
    internal int RequiredInt(string field) =>
        Fields[field]?.GetValue<int>() ?? throw new InvalidDataException($"{Source}: missing \"{field}\".");

    /// <summary>The classes written by <see cref="LabelKeyValues.WriteClasses"/> under <paramref name="name"/>: their number and key values (null when none were saved).</summary>
    /// <exception cref="InvalidDataException">The number of classes is missing.</exception>
    internal (int Count, LabelKeyValues? KeyValues) Classes(string name) =>
        (RequiredInt(name + "_count"), Fields[name + "_key_values"] is JsonObject values ? LabelKeyValues.FromJson(values, Source) : null);

    /// <summary>
    /// Loads the saved adapter onto <paramref name="network"/> (built by the task with the saved shape), merged when it was saved
    /// merged, or none for a stage saved without one; moves it to the device the MLContext selects, in eval mode, and wraps it
    /// in the task's transformer. The network and adapter are disposed when any step fails.
    /// </summary>
    internal ITransformer Build(nn.Module network, Func<PeftModel, Device, ITransformer> wrap) =>
        PretrainedAdapter.Build(_context.Context, network, () => ReadAdapter(network), wrap);

    private PeftModel ReadAdapter(nn.Module network)
    {
        if (Fields["adapter"]?.GetValue<bool>() == false)
        {
            return PeftModel.WithoutAdapter(network);
        }

        var peft = ArchiveEntries.ReadAdapter(_context.Archive, _context.Prefix + StageArchive.AdapterFolder, _context.ArchivePath, network);
        if (Fields["merged"]?.GetValue<bool>() == true)
        {
            peft.MergeAdapter();
        }

        return peft;
    }
}
