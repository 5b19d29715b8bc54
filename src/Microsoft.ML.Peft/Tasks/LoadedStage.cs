// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Training;
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

    /// <summary>An integer field the task requires.</summary>
    /// <exception cref="InvalidDataException">The field is missing.</exception>
    internal int RequiredInt(string field) =>
        Fields[field]?.GetValue<int>() ?? throw new InvalidDataException($"{Source}: missing \"{field}\".");

    /// <summary>The classes written by <see cref="LabelKeyValues.WriteClasses"/> under <paramref name="name"/>: their number and key values (null when none were saved).</summary>
    /// <exception cref="InvalidDataException">The number of classes is missing.</exception>
    internal (int Count, LabelKeyValues? KeyValues) Classes(string name) =>
        (RequiredInt(name + "_count"), Fields[name + "_key_values"] is JsonObject values ? LabelKeyValues.FromJson(values, Source) : null);

    /// <summary>
    /// Loads the saved adapter onto <paramref name="network"/> (built by the task with the saved shape), merges it when it was
    /// saved merged, and moves it to the device the MLContext selects, in eval mode. The caller disposes the network on failure.
    /// </summary>
    internal (PeftModel Peft, Device Device) LoadAdapter(nn.Module network)
    {
        var peft = Fields["adapter"]?.GetValue<bool>() == false
            ? PeftModel.WithoutAdapter(network)
            : ArchiveEntries.ReadAdapter(_context.Archive, _context.Prefix + StageArchive.AdapterFolder, _context.ArchivePath, network);
        if (Fields["merged"]?.GetValue<bool>() == true)
        {
            peft.MergeAdapter();
        }

        var device = DeviceSelector.Select(_context.Context);
        peft.To(device);
        network.eval();
        return (peft, device);
    }

    /// <summary>
    /// Loads the adapter onto <paramref name="network"/> (<see cref="LoadAdapter"/>) and wraps it in the task's transformer;
    /// the network is disposed when either fails.
    /// </summary>
    internal ITransformer Build(nn.Module network, Func<PeftModel, Device, ITransformer> wrap)
    {
        try
        {
            var (peft, device) = LoadAdapter(network);
            return wrap(peft, device);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }
}
