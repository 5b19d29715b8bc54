// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// A saved PEFT adapter folder (<c>adapter_config.json</c> and <c>adapter_model.safetensors</c>, from Python's
/// <c>save_pretrained</c> or this library's <c>SaveAdapter</c>) that a task turns into a transformer or continues training:
/// its configuration and tensor shapes, read and checked before any network is built, so a wrong folder is refused in the
/// task's words (its task type, its head's size) rather than as a key that does not fit.
/// </summary>
internal sealed class PretrainedAdapter
{
    private readonly Dictionary<string, long[]> _shapes;

    private PretrainedAdapter(string directory, PeftConfig config, Dictionary<string, long[]> shapes)
    {
        Directory = directory;
        Config = config;
        _shapes = shapes;
    }

    internal string Directory { get; }

    /// <summary>The adapter's configuration; an unknown or unimplemented <c>peft_type</c> was refused when it was read.</summary>
    internal PeftConfig Config { get; }

    /// <summary>Reads the folder's configuration and the shapes of its tensors.</summary>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="option">The option or parameter that named the folder, for messages.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the adapter is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NotSupportedException">The adapter's method or one of its options is not implemented here.</exception>
    internal static PretrainedAdapter Open(string directory, string option)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory, option);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException(
                $"`{option}`: the adapter folder '{Path.GetFullPath(directory)}' does not exist. Give the folder that holds {PeftModel.AdapterConfigFileName} and {PeftModel.AdapterWeightsFileName}.");
        }

        var config = AdapterConfigJson.Read(Path.Combine(directory, PeftModel.AdapterConfigFileName));
        string weights = Path.Combine(directory, PeftModel.AdapterWeightsFileName);
        if (!File.Exists(weights))
        {
            throw new FileNotFoundException(
                $"`{option}`: '{directory}' has {PeftModel.AdapterConfigFileName} but no {PeftModel.AdapterWeightsFileName}. "
                + "Save the adapter with save_pretrained(dir, safe_serialization=True) (Python) or SaveAdapter (.NET).",
                weights);
        }

        var shapes = SafeTensorsFile.ReadHeader(weights, out _).ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal);
        return new PretrainedAdapter(directory, config, shapes);
    }

    /// <summary>
    /// The options' <see cref="PeftTrainerOptions.InitialAdapterDirectory"/> opened and checked for the task (its task type, and
    /// a head with as many classes as the label); null when the option is not set.
    /// </summary>
    /// <param name="options">The estimator's options.</param>
    /// <param name="taskType">The task type the task saves (SEQ_CLS, TOKEN_CLS), or null.</param>
    /// <param name="task">The task in words, e.g. "a text classifier".</param>
    /// <param name="otherTasks">Where adapters of other task types go, by task type.</param>
    /// <param name="outputModule">The head's output layer; null for a classifier without a trained head (CLIP's text prompts), whose class count is not checked.</param>
    /// <param name="classCount">The number of classes of the training label.</param>
    /// <param name="labelColumn">The label column's name, for messages.</param>
    /// <exception cref="ArgumentException">The adapter is of another task type or its head has another number of classes.</exception>
    internal static PretrainedAdapter? ToContinue(
        PeftTrainerOptions options, string? taskType, string task, IReadOnlyDictionary<string, string> otherTasks, string? outputModule, int classCount, string labelColumn)
    {
        if (options.InitialAdapterDirectory is not { } directory)
        {
            return null;
        }

        var adapter = Open(directory, nameof(PeftTrainerOptions.InitialAdapterDirectory));
        adapter.RequireTaskType(taskType, task, otherTasks);
        if (outputModule is null)
        {
            return adapter;
        }

        int rows = adapter.HeadRows(outputModule, taskType ?? "the task's type");
        if (rows != classCount)
        {
            throw new ArgumentException(
                $"The adapter in '{directory}' (`{nameof(PeftTrainerOptions.InitialAdapterDirectory)}`) scores {rows} classes but the label column '{labelColumn}' has {classCount}. "
                + $"Continue training on data with the adapter's {rows} classes, in its order, or leave `{nameof(PeftTrainerOptions.InitialAdapterDirectory)}` null to train a new adapter.",
                nameof(options));
        }

        return adapter;
    }

    /// <summary>
    /// Refuses an adapter saved for another task: PEFT records <c>task_type</c> (SEQ_CLS for a sequence classifier, TOKEN_CLS
    /// for a token classifier), and an adapter without one is accepted.
    /// </summary>
    /// <param name="expected">The task type this task saves, e.g. SEQ_CLS; null for a task PEFT has no type for.</param>
    /// <param name="task">The task in words, e.g. "a text classifier".</param>
    /// <param name="otherTasks">Where adapters of other task types go, by task type.</param>
    /// <exception cref="ArgumentException">The adapter's task type is another one.</exception>
    internal void RequireTaskType(string? expected, string task, IReadOnlyDictionary<string, string> otherTasks)
    {
        if (Config.TaskType is not { Length: > 0 } actual || actual == expected)
        {
            return;
        }

        string hint = otherTasks.TryGetValue(actual, out var other) ? $" Load it with {other}." : string.Empty;
        throw new ArgumentException(
            $"The adapter in '{Directory}' was saved for task_type {actual} (adapter_config.json), but {task} needs "
            + (expected is null ? "an adapter without a text task type" : $"a {expected} adapter") + $".{hint}");
    }

    /// <summary>
    /// The number of classes the adapter's head scores: the rows of <c>{outputModule}.weight</c>, which PEFT saves because the
    /// head is in <c>modules_to_save</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The adapter carries no such head.</exception>
    internal int HeadRows(string outputModule, string taskType)
    {
        string key = PeftStateDictKeys.ForModule(outputModule, "weight");
        if (!_shapes.TryGetValue(key, out var shape) || shape.Length != 2)
        {
            throw new InvalidDataException(
                $"The adapter in '{Directory}' carries no classification head ('{key}'), so the number of classes and their scores are unknown. "
                + $"PEFT saves the head when the adapter is created with task_type=\"{taskType}\" (which puts it in modules_to_save) or with modules_to_save=[\"{outputModule.Split('.')[0]}\"].");
        }

        return (int)shape[0];
    }

    /// <summary>
    /// The class names: those the user gave (one per head row), else the backbone config's <c>id2label</c> when it names
    /// exactly the head's rows (a base model's config often holds transformers' two default labels, which would be wrong), else none.
    /// </summary>
    /// <exception cref="ArgumentException">The user gave another number of names than the head has rows, or a blank one.</exception>
    internal static LabelKeyValues? ClassNames(IEnumerable<string>? given, PretrainedModel backbone, int rows, string parameter, string adapterDirectory)
    {
        if (given is not null)
        {
            var names = given.ToList();
            if (names.Count != rows)
            {
                throw new ArgumentException(
                    $"`{parameter}` has {names.Count} names but the adapter in '{adapterDirectory}' scores {rows} classes; give one name per class, in the head's order.",
                    parameter);
            }

            if (names.FindIndex(string.IsNullOrWhiteSpace) is int blank and >= 0)
            {
                throw new ArgumentException($"`{parameter}`: name {blank} is empty; give every class a name.", parameter);
            }

            return LabelKeyValues.FromNames(names);
        }

        if (backbone.Config["id2label"] is not JsonObject id2label || id2label.Count != rows)
        {
            return null;
        }

        var fromConfig = new string[rows];
        for (int i = 0; i < rows; i++)
        {
            if (id2label[i.ToString(CultureInfo.InvariantCulture)]?.GetValue<string>() is not { } name)
            {
                return null;
            }

            fromConfig[i] = name;
        }

        return LabelKeyValues.FromNames(fromConfig);
    }

    /// <summary>
    /// Loads the adapter frozen onto <paramref name="network"/>, moves both to the device the MLContext selects, in eval mode,
    /// and wraps them in the task's transformer; the network (and adapter) are disposed when any step fails.
    /// </summary>
    internal T BuildFrozen<T>(MLContext context, nn.Module network, Func<PeftModel, Device, T> wrap) => Build(context, network, () => LoadOnto(network, trainable: false), wrap);

    /// <summary>What <see cref="BuildFrozen"/> does, with the adapter loaded by <paramref name="load"/> (e.g. none).</summary>
    internal static T Build<T>(MLContext context, nn.Module network, Func<PeftModel> load, Func<PeftModel, Device, T> wrap)
    {
        PeftModel? peft = null;
        try
        {
            peft = load();
            var device = DeviceSelector.Select(context);
            peft.To(device);
            network.eval();
            return wrap(peft, device);
        }
        catch
        {
            peft?.Dispose();
            network.Dispose();
            throw;
        }
    }

    /// <summary>Loads the adapter onto <paramref name="network"/> and activates it (trainable to continue training, else frozen).</summary>
    /// <exception cref="InvalidDataException">The adapter's keys or shapes do not fit the network (another architecture or other module names); the message names the key.</exception>
    internal PeftModel LoadOnto(nn.Module network, bool trainable) => PeftModel.FromPretrained(network, Directory, isTrainable: trainable);
}
