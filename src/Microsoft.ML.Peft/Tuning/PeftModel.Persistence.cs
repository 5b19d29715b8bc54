// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>Saving and loading adapters in Hugging Face PEFT's format.</summary>
public sealed partial class PeftModel
{
    /// <summary>The weights file PEFT writes next to <c>adapter_config.json</c>.</summary>
    public const string AdapterWeightsFileName = "adapter_model.safetensors";

    /// <summary>The configuration file PEFT writes.</summary>
    public const string AdapterConfigFileName = AdapterConfigJson.FileName;

    private const string PickleWeightsFileName = "adapter_model.bin";

    private static readonly IReadOnlyDictionary<string, string> s_metadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>
    /// Loads a saved adapter (from this library or from Python PEFT) onto <paramref name="model"/> and activates it
    /// (PEFT's <c>PeftModel.from_pretrained</c>).
    /// </summary>
    /// <param name="model">The base model the adapter was trained on; its module names and shapes must fit the adapter.</param>
    /// <param name="directory">The folder with <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <param name="adapterName">The name to give the adapter.</param>
    /// <param name="isTrainable">False (the default) loads for inference, every parameter frozen.</param>
    /// <param name="outputModuleName">The output layer left out by all-linear; see <see cref="Create"/>.</param>
    /// <returns>The wrapper with the loaded adapter active.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the adapter's keys or shapes do not fit the model.</exception>
    /// <exception cref="NotSupportedException">The adapter uses a method or option this library does not implement.</exception>
    public static PeftModel FromPretrained(nn.Module model, string directory, string adapterName = "default", bool isTrainable = false, string? outputModuleName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var peft = new PeftModel(model, outputModuleName);
        try
        {
            peft.LoadAdapter(directory, adapterName, isTrainable);
            peft.SetActiveAdapter(adapterName);
            return peft;
        }
        catch
        {
            peft.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A wrapper with no adapter, for a stage that runs the base model as it is (a text embedding of the bare encoder): it
    /// moves the model between devices and disposes like any other, and adapters can still be loaded onto it.
    /// </summary>
    internal static PeftModel WithoutAdapter(nn.Module model) => new(model, outputModuleName: null);

    /// <summary>Loads another saved adapter under <paramref name="adapterName"/>; it stays inactive until selected.</summary>
    /// <param name="directory">The folder with <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <param name="adapterName">A new adapter name.</param>
    /// <param name="isTrainable">False (the default) loads for inference, every parameter frozen.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the adapter's keys or shapes do not fit the model; the model is left unchanged.</exception>
    /// <exception cref="NotSupportedException">The adapter uses a method or option this library does not implement.</exception>
    public void LoadAdapter(string directory, string adapterName, bool isTrainable = false)
    {
        ThrowIfReleased();
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string weightsPath = Path.Combine(directory, AdapterWeightsFileName);
        if (!File.Exists(weightsPath) && File.Exists(Path.Combine(directory, PickleWeightsFileName)))
        {
            throw new NotSupportedException(
                $"'{directory}' holds {PickleWeightsFileName} (PyTorch pickle), which is not read for safety. Re-save it in Python with "
                + "model.save_pretrained(dir, safe_serialization=True) to get " + AdapterWeightsFileName + ".");
        }

        var config = AdapterConfigJson.Read(Path.Combine(directory, AdapterConfigFileName));
        config.InferenceMode = !isTrainable;

        using var scope = NewDisposeScope();
        var tensors = SafeTensorsFile.Read(weightsPath);
        try
        {
            InjectAdapter(adapterName, config);
        }
        catch (ArgumentException ex) when (ex.ParamName != nameof(adapterName))
        {
            throw new InvalidDataException($"The adapter in '{directory}' does not fit the model: {ex.Message}", ex);
        }
        try
        {
            CopyIntoAdapter(adapterName, tensors, weightsPath);
        }
        catch
        {
            RemoveAdapterEverywhere(adapterName);
            throw;
        }

        ApplyTrainability();
    }

    /// <summary>
    /// Saves adapters in PEFT's format: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> in
    /// <paramref name="directory"/> for the adapter named <c>default</c>, in <c>directory/{name}</c> for the others.
    /// Each file is written to a temporary file and renamed, so an existing adapter is never left half-written.
    /// Modules are named as Python builds the model in memory, which is what PEFT matches: the model's own module names (for
    /// a Hugging Face backbone, its checkpoint keys), except for a backbone whose current transformers release renamed its
    /// modules in memory but not in its checkpoints (ViT: <c>vit.layers.0.attention.q_proj</c> for
    /// <c>vit.encoder.layer.0.attention.attention.query</c>). Such an adapter is written with the new names, tensor keys and
    /// <c>target_modules</c> alike, whichever names it was created or loaded with.
    /// </summary>
    /// <param name="directory">The output folder; created when missing.</param>
    /// <param name="adapterNames">The adapters to save; all when null.</param>
    /// <param name="convertToOriginalBase">For adapters whose initialization rewrote the base weights (PiSSA, OLoRA),
    /// save an equivalent plain LoRA adapter of rank 2r that applies to the original base model, so the adapter
    /// file alone is enough (PEFT's <c>path_initial_model_for_weight_conversion</c>). Other adapters are saved as they are.</param>
    /// <exception cref="KeyNotFoundException">An adapter name is unknown.</exception>
    /// <exception cref="NotSupportedException"><paramref name="convertToOriginalBase"/> was asked for a DoRA adapter initialized with PiSSA or OLoRA.</exception>
    public void SaveAdapter(string directory, IEnumerable<string>? adapterNames = null, bool convertToOriginalBase = false)
    {
        ThrowIfReleased();
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (string name in (adapterNames ?? _adapterOrder).Select(CheckAdapter).ToList())
        {
            string folder = name == "default" ? directory : Path.Combine(directory, name);
            using var scope = NewDisposeScope();
            var tensors = GetAdapterStateDict(name);
            var config = _configs[name].Clone();
            if (convertToOriginalBase && PeftMethodRegistry.ForConfig(config).ConfigForOriginalBase(config) is { } convertedConfig)
            {
                config = convertedConfig;
                foreach (var layer in _layers.Values)
                {
                    if (layer.TensorsForOriginalBase(name) is not { } convertedTensors)
                    {
                        continue;
                    }

                    foreach (var (relativeName, tensor) in convertedTensors)
                    {
                        tensors[PeftStateDictKeys.ForModule(layer.ModulePath, relativeName)] = tensor;
                    }
                }
            }

            config.InferenceMode = true;
            tensors = ToExportNames(name, config, tensors);
            SafeTensorsFile.Write(Path.Combine(folder, AdapterWeightsFileName), tensors, s_metadata);
            AdapterConfigJson.Write(config, Path.Combine(folder, AdapterConfigFileName));
        }
    }

    /// <summary>The adapter's tensors under PEFT's saved key names (the live tensors, not copies).</summary>
    internal Dictionary<string, Tensor> GetAdapterStateDict(string adapterName)
    {
        CheckAdapter(adapterName);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var layer in _layers.Values)
        {
            foreach (var (name, parameter) in layer.AdapterParameters(adapterName))
            {
                result.Add(PeftStateDictKeys.ForModule(layer.ModulePath, PeftStateDictKeys.RemoveAdapterName(name, adapterName)), parameter);
            }

            foreach (var (name, buffer) in layer.AdapterBuffers(adapterName))
            {
                result.Add(PeftStateDictKeys.ForModule(layer.ModulePath, PeftStateDictKeys.RemoveAdapterName(name, adapterName)), buffer);
            }
        }

        foreach (var slot in _slots.Values.Where(s => s.AdapterNames.Contains(adapterName)))
        {
            foreach (var (name, tensor) in slot.AdapterTensors(adapterName))
            {
                result.Add(PeftStateDictKeys.ForModule(slot.ModulePath, name), tensor);
            }
        }

        if (_shared.TryGetValue(adapterName, out var shared))
        {
            foreach (var (key, tensor) in shared.SavedTensors())
            {
                result.Add(key, tensor);
            }
        }

        if (_biasModules[adapterName].Count > 0)
        {
            var parameters = _model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (string module in _biasModules[adapterName])
            {
                result.Add(PeftStateDictKeys.ForModule(module, "bias"), parameters[BiasName(module)]);
            }
        }

        return result;
    }

    private void CopyIntoAdapter(string adapterName, Dictionary<string, Tensor> file, string source)
    {
        var expected = GetAdapterStateDict(adapterName);
        var tensors = ToModelKeys(file, expected, source);
        var unexpected = tensors.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"'{source}' does not fit the model: key '{unexpected[0]}' has no counterpart in the model"
                + (unexpected.Count > 1 ? $" ({unexpected.Count} such keys)" : string.Empty)
                + ". Check that the adapter was trained on a model with the same module names.");
        }

        // Several keys may name one live tensor (RandLoRA's per-layer references to its shared bases). The file needs one
        // of them, since this library wrote only base_model.randlora_A/B before it wrote PEFT's per-layer keys too, and
        // the ones it holds must agree.
        var groups = expected.GroupBy(p => p.Value, ReferenceEqualityComparer.Instance).Select(g => g.Select(p => p.Key).ToList()).ToList();
        var missing = groups.Where(g => !g.Any(tensors.ContainsKey)).Select(g => g[0]).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"'{source}' does not fit the model: the model expects key '{missing[0]}', which the file lacks"
                + (missing.Count > 1 ? $" ({missing.Count} keys missing)" : string.Empty) + ".");
        }

        foreach (var (key, target) in expected.Where(p => tensors.ContainsKey(p.Key)))
        {
            var value = tensors[key];
            if (!value.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException(
                    $"'{source}' does not fit the model: key '{key}' has shape [{string.Join(", ", value.shape)}] in the file but [{string.Join(", ", target.shape)}] in the model.");
            }
        }

        foreach (var keys in groups.Where(g => g.Count > 1))
        {
            var present = keys.Where(tensors.ContainsKey).ToList();
            if (present.Skip(1).FirstOrDefault(k => !tensors[k].eq(tensors[present[0]]).all().item<bool>()) is { } differing)
            {
                throw new InvalidDataException(
                    $"'{source}' holds different values under '{present[0]}' and '{differing}', which name one shared tensor of the adapter.");
            }
        }

        // The expected tensors are the live ones (or a modules_to_save slot's stored values), so copying fills the adapter.
        using var noGrad = no_grad();
        foreach (var keys in groups)
        {
            var target = expected[keys[0]];
            target.copy_(tensors[keys.First(tensors.ContainsKey)].to(target.dtype, target.device));
        }
    }

    /// <summary>
    /// The file's tensors under the model's key names: a key the model does not expect that names a module by its second name
    /// (<see cref="ModuleNameAliases"/>, e.g. transformers 5's <c>vit.layers.0.attention.q_proj</c>) is read under the model's
    /// name (<c>vit.encoder.layer.0.attention.attention.query</c>). Other keys are kept as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">The file holds one tensor under both names.</exception>
    private Dictionary<string, Tensor> ToModelKeys(Dictionary<string, Tensor> file, Dictionary<string, Tensor> expected, string source)
    {
        if (_aliases.IsEmpty)
        {
            return file;
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var fileKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tensor) in file)
        {
            string name = key;
            if (!expected.ContainsKey(key)
                && key.StartsWith(PeftStateDictKeys.Prefix, StringComparison.Ordinal)
                && _aliases.ToModelName(key[PeftStateDictKeys.Prefix.Length..]) is { } modelName)
            {
                name = PeftStateDictKeys.Prefix + modelName;
            }

            if (!result.TryAdd(name, tensor))
            {
                throw new InvalidDataException(
                    $"'{source}' holds the tensor '{name}' twice, as '{fileKeys[name]}' and as '{key}' (the same module under its two names).");
            }

            fileKeys[name] = key;
        }

        return result;
    }
}
