// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Tuning;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>
/// Parameter-efficient fine-tuning of any TorchSharp module tree: attaches a PEFT method's layers to the modules
/// that a configuration targets, freezes everything else, and manages named adapters, merging and the
/// Hugging Face PEFT adapter format.
/// </summary>
/// <remarks>
/// <para>
/// The model keeps its own structure and is still called directly: adapters act through forward hooks on the
/// target modules, so the model's <c>forward</c> must invoke its sub-modules with <c>call(...)</c> (as
/// <c>Sequential</c> and idiomatic TorchSharp code do), not with <c>forward(...)</c>, which bypasses hooks.
/// Dropout in the adapters follows the model's <c>train()</c>/<c>eval()</c> mode.
/// </para>
/// <para>
/// The <see cref="PeftModel"/> owns the adapter tensors; the caller keeps owning the base model.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var peft = PeftModel.Create(model, new LoraConfig { Rank = 8, Alpha = 16, TargetModules = ModuleSelector.FromNames("fc1", "fc2") });
/// using var optimizer = torch.optim.AdamW(peft.GetTrainableParameters(), lr: 1e-3);
/// // ... train by calling model.call(x) ...
/// peft.SaveAdapter("my-adapter");   // adapter_config.json + adapter_model.safetensors, loadable by Python PEFT
/// </code>
/// </example>
public sealed partial class PeftModel : IDisposable
{
    private readonly nn.Module _model;
    private readonly string? _outputModuleName;
    private readonly ModuleNameAliases _aliases;
    private readonly Dictionary<string, PeftConfig> _configs = new(StringComparer.Ordinal);
    private readonly List<string> _adapterOrder = new();
    private readonly Dictionary<string, TunerLayer> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModulesToSaveSlot> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _targets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _biasModules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SharedAdapterTensors> _shared = new(StringComparer.Ordinal);
    private string _activeAdapter = string.Empty;
    private int _disableDepth;
    private bool _released;

    private PeftModel(nn.Module model, string? outputModuleName)
    {
        _model = model;
        _outputModuleName = outputModuleName;

        // Second names some backbones give their modules (transformers 5's ViT names), so adapters that use them load.
        _aliases = ModuleNameAliases.Of(model);
        foreach (var parameter in model.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    /// <summary>Gets the wrapped model; call it as before to run it with the active adapter.</summary>
    public nn.Module BaseModel => _model;

    /// <summary>Gets the name of the adapter that forward passes use and that trains.</summary>
    public string ActiveAdapter => _activeAdapter;

    /// <summary>Gets the adapter names in the order they were added.</summary>
    public IReadOnlyList<string> AdapterNames => _adapterOrder;

    /// <summary>The tuner layers attached to the model, for method-specific operations such as DyLoRA's rank choice.</summary>
    internal IEnumerable<TunerLayer> TunerLayers => _layers.Values;

    /// <summary>The modules_to_save copies, for method-specific operations such as LoRA's weighted combinations.</summary>
    internal IEnumerable<ModulesToSaveSlot> ModulesToSaveSlots => _slots.Values;

    /// <summary>Gets a value indicating whether any adapter is merged into the base weights.</summary>
    public bool IsMerged => _layers.Values.Any(l => l.IsMerged);

    /// <summary>
    /// Gets a value indicating whether the active adapter's method can fold its update into the base weights, so that
    /// <see cref="MergeAdapter"/> and <see cref="MergeAndUnload"/> accept it. False for methods whose update is not a weight
    /// delta (bottleneck adapters, which have a non-linearity), and when the model has no adapter.
    /// </summary>
    public bool CanMerge => _configs.TryGetValue(_activeAdapter, out var config) && PeftMethodRegistry.ForConfig(config).CanMerge;

    /// <summary>Adds a PEFT method's layers to <paramref name="model"/> and returns the tuning wrapper with that adapter active.</summary>
    /// <param name="model">Any TorchSharp module tree; its parameters are frozen.</param>
    /// <param name="config">The method's configuration. A copy is validated and frozen (see <see cref="GetConfig"/>); the caller's object is not changed.</param>
    /// <param name="adapterName">The adapter's name; <c>default</c> unless several adapters are used.</param>
    /// <param name="outputModuleName">The output layer that <see cref="ModuleSelector.AllLinear"/> leaves out; when null, a top-level
    /// <c>score</c>, <c>classifier</c> or <c>lm_head</c>, else the model's last linear layer.</param>
    /// <returns>The wrapper that manages the adapter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="config"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The configuration is invalid or matches no module; the message lists the modules that exist.</exception>
    /// <exception cref="NotSupportedException">A matched module has a type the method cannot adapt.</exception>
    public static PeftModel Create(nn.Module model, PeftConfig config, string adapterName = "default", string? outputModuleName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var peft = new PeftModel(model, outputModuleName);
        try
        {
            peft.AddAdapter(adapterName, config);
            peft.SetActiveAdapter(adapterName);
            return peft;
        }
        catch
        {
            peft.Dispose();
            throw;
        }
    }

    /// <summary>Gets the frozen configuration of an adapter (with all-linear expanded to the names it matched).</summary>
    /// <param name="adapterName">The adapter's name.</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="KeyNotFoundException">No adapter has that name.</exception>
    public PeftConfig GetConfig(string adapterName) => _configs[CheckAdapter(adapterName)];

    /// <summary>Gets the full names of the modules an adapter was attached to.</summary>
    /// <param name="adapterName">The adapter's name.</param>
    /// <returns>The module names, in model order.</returns>
    /// <exception cref="KeyNotFoundException">No adapter has that name.</exception>
    public IReadOnlyList<string> GetTargetModules(string adapterName) => _targets[CheckAdapter(adapterName)];

    /// <summary>Adds another adapter; it stays inactive (and frozen) until <see cref="SetActiveAdapter"/> selects it.</summary>
    /// <param name="adapterName">A new, non-empty name without dots.</param>
    /// <param name="config">The configuration; its method must be the same as the existing adapters'.</param>
    /// <exception cref="ArgumentException">The name is taken or invalid, or the configuration is invalid or matches nothing.</exception>
    /// <exception cref="NotSupportedException">A matched module has a type the method cannot adapt.</exception>
    public void AddAdapter(string adapterName, PeftConfig config)
    {
        ThrowIfReleased();
        ArgumentNullException.ThrowIfNull(config);
        InjectAdapter(adapterName, config);
        ApplyTrainability();
    }

    /// <summary>Makes an adapter the one used by forward passes and the only one that trains.</summary>
    /// <param name="adapterName">The adapter's name.</param>
    /// <exception cref="KeyNotFoundException">No adapter has that name.</exception>
    public void SetActiveAdapter(string adapterName)
    {
        ThrowIfReleased();
        _activeAdapter = CheckAdapter(adapterName);
        foreach (var layer in _layers.Values)
        {
            layer.ActiveAdapters = new[] { adapterName };
        }

        ApplyTrainability();
    }

    /// <summary>Removes an adapter and its tensors; another adapter becomes active if it was the active one.</summary>
    /// <param name="adapterName">The adapter's name.</param>
    /// <exception cref="KeyNotFoundException">No adapter has that name.</exception>
    /// <exception cref="InvalidOperationException">The adapter is merged; unmerge first.</exception>
    public void DeleteAdapter(string adapterName)
    {
        ThrowIfReleased();
        CheckAdapter(adapterName);
        if (_layers.Values.Any(l => l.MergedAdapters.Contains(adapterName)))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged; call {nameof(UnmergeAdapter)}() before deleting it.");
        }

        RemoveAdapterEverywhere(adapterName);
        if (_activeAdapter == adapterName)
        {
            _activeAdapter = _adapterOrder.FirstOrDefault() ?? string.Empty;
            foreach (var layer in _layers.Values)
            {
                layer.ActiveAdapters = _activeAdapter.Length == 0 ? Array.Empty<string>() : new[] { _activeAdapter };
            }
        }

        ApplyTrainability();
    }

    /// <summary>Runs the base model without any adapter until the returned scope is disposed (PEFT's <c>disable_adapter()</c>).</summary>
    /// <returns>A scope that re-enables the adapters when disposed.</returns>
    /// <remarks>Merged adapters are unmerged first, as in PEFT; they are not merged again afterwards.</remarks>
    public IDisposable DisableAdapter()
    {
        ThrowIfReleased();
        if (IsMerged)
        {
            UnmergeAdapter();
        }

        _disableDepth++;
        ApplyTrainability();
        return new DisabledAdapterScope(this);
    }

    /// <summary>Gets the parameters that train: the active adapter's tensors, its modules_to_save and any trained biases.</summary>
    /// <returns>The parameters to hand to an optimizer.</returns>
    public IReadOnlyList<Parameter> GetTrainableParameters() => NamedTrainableParameters().Select(p => p.Parameter).ToList();

    /// <summary>Gets the trainable parameters with PEFT's in-memory names, e.g. <c>base_model.model.fc1.lora_A.default.weight</c>.</summary>
    /// <returns>The names and parameters.</returns>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedTrainableParameters()
    {
        ThrowIfReleased();
        var result = _model.named_parameters()
            .Where(p => p.parameter.requires_grad)
            .Select(p => (Formats.PeftStateDictKeys.Prefix + p.name, p.parameter))
            .ToList();
        foreach (var layer in _layers.Values)
        {
            result.AddRange(layer.named_parameters()
                .Where(p => p.parameter.requires_grad)
                .Select(p => (Formats.PeftStateDictKeys.ForModule(layer.ModulePath, p.name), p.parameter)));
        }

        return result;
    }

    /// <summary>Counts trainable and total parameters as PEFT's <c>print_trainable_parameters</c> does.</summary>
    /// <returns>The report; its <c>ToString()</c> prints PEFT's line.</returns>
    public TrainableParameterReport GetTrainableParameterReport()
    {
        long trainable = NamedTrainableParameters().Sum(p => p.Parameter.numel());
        long all = _model.parameters().Sum(p => p.numel())
            + _layers.Values.Sum(l => l.parameters().Sum(p => p.numel()))
            + _slots.Values.Sum(s => s.AdapterNames.Count * s.ParameterCount());
        return new TrainableParameterReport(trainable, all);
    }

    /// <summary>Moves the base model and every adapter tensor to a device.</summary>
    /// <param name="device">The target device.</param>
    public void To(Device device)
    {
        ThrowIfReleased();
        ArgumentNullException.ThrowIfNull(device);
        _model.to(device);
        foreach (var layer in _layers.Values)
        {
            layer.to(device);
            layer.MoveState(device);
        }

        foreach (var slot in _slots.Values)
        {
            slot.MoveTo(device);
        }

        foreach (var shared in _shared.Values)
        {
            shared.MoveTo(device);
        }
    }

    /// <summary>Removes the hooks and frees the adapter tensors; the base model is left as it is (merged adapters stay merged).</summary>
    public void Dispose()
    {
        foreach (var layer in _layers.Values)
        {
            layer.Dispose();
        }

        foreach (var slot in _slots.Values)
        {
            slot.Dispose();
        }

        foreach (var shared in _shared.Values)
        {
            shared.Dispose();
        }

        _layers.Clear();
        _slots.Clear();
        _shared.Clear();
        _released = true;
    }

    private string CheckAdapter(string adapterName)
    {
        ArgumentNullException.ThrowIfNull(adapterName);
        return _configs.ContainsKey(adapterName)
            ? adapterName
            : throw new KeyNotFoundException($"No adapter named '{adapterName}'; adapters: [{string.Join(", ", _adapterOrder)}].");
    }

    internal void ThrowIfReleased() => ObjectDisposedException.ThrowIf(_released, this);

    // Only the active adapter trains (unless it was loaded for inference); everything else stays frozen.
    private void ApplyTrainability()
    {
        bool disabled = _disableDepth > 0;
        foreach (var (name, config) in _configs)
        {
            bool trainable = name == _activeAdapter && !config.InferenceMode;
            foreach (var layer in _layers.Values)
            {
                layer.SetAdapterTrainable(name, trainable);
            }
        }

        foreach (var layer in _layers.Values)
        {
            layer.AdaptersDisabled = disabled;
        }

        bool activeTrains = _configs.TryGetValue(_activeAdapter, out var active) && !active.InferenceMode;
        foreach (var slot in _slots.Values)
        {
            slot.Activate(disabled ? null : _activeAdapter, activeTrains);
        }

        var biasParameters = _model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, modules) in _biasModules)
        {
            foreach (string module in modules)
            {
                biasParameters[BiasName(module)].requires_grad = name == _activeAdapter && activeTrains;
            }
        }
    }

    private static string BiasName(string modulePath) => modulePath.Length == 0 ? "bias" : modulePath + ".bias";

    private sealed class DisabledAdapterScope : IDisposable
    {
        private PeftModel? _owner;

        internal DisabledAdapterScope(PeftModel owner) => _owner = owner;

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner is not null && !owner._released)
            {
                owner._disableDepth--;
                owner.ApplyTrainability();
            }
        }
    }
}
