// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft;

/// <summary>
/// Settings shared by every PEFT method: which modules to adapt, which to train in full, and the
/// descriptive fields that Hugging Face PEFT writes to <c>adapter_config.json</c>.
/// </summary>
/// <remarks>
/// A configuration is mutable until a <c>PeftModel</c> or an estimator captures it; from then on it is
/// frozen and setters throw <see cref="InvalidOperationException"/>. Use <see cref="Clone"/> to get an editable copy.
/// Fields read from an <c>adapter_config.json</c> that this library does not know are kept in
/// <see cref="AdditionalProperties"/> and written back unchanged.
/// </remarks>
public abstract class PeftConfig
{
    /// <summary>
    /// Gets the peak AdamW learning rate the task estimators train this method with when their <c>LearningRate</c> is not set:
    /// the rate of the README's method table. 1e-3 for the low-rank methods; methods that train a few multiplicative values
    /// (LN tuning, singular values, VeRA's scaling vectors) need about ten times that.
    /// </summary>
    internal virtual double DefaultLearningRate => 1e-3;

    private string? _taskType;
    private string? _baseModelNameOrPath;
    private string? _revision;
    private bool _inferenceMode;
    private ModuleSelector? _targetModules;
    private ModuleSelector? _excludeModules;
    private IReadOnlyList<int>? _layersToTransform;
    private IReadOnlyList<string>? _layersPattern;
    private IReadOnlyList<string>? _modulesToSave;

    /// <summary>Initializes a configuration with PEFT's defaults.</summary>
    protected PeftConfig()
    {
    }

    /// <summary>Initializes a configuration as an unfrozen copy of <paramref name="other"/>.</summary>
    /// <param name="other">The configuration to copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    protected PeftConfig(PeftConfig other)
    {
        ArgumentNullException.ThrowIfNull(other);

        // Every field of this class must be copied here.
        _taskType = other._taskType;
        _baseModelNameOrPath = other._baseModelNameOrPath;
        _revision = other._revision;
        _inferenceMode = other._inferenceMode;
        _targetModules = other._targetModules;
        _excludeModules = other._excludeModules;
        _layersToTransform = other._layersToTransform;
        _layersPattern = other._layersPattern;
        _modulesToSave = other._modulesToSave;
        SourceDocument = other.SourceDocument?.DeepClone().AsObject();
    }

    /// <summary>Gets the PEFT type written as <c>peft_type</c>, for example <c>LORA</c>.</summary>
    public abstract string PeftType { get; }

    /// <summary>Gets or sets the task type (<c>task_type</c>), for example <c>SEQ_CLS</c>; <see langword="null"/> when unspecified.</summary>
    public string? TaskType
    {
        get => _taskType;
        set { VerifyMutable(); _taskType = value; }
    }

    /// <summary>Gets or sets the name or path of the base model the adapter was trained on (<c>base_model_name_or_path</c>).</summary>
    public string? BaseModelNameOrPath
    {
        get => _baseModelNameOrPath;
        set { VerifyMutable(); _baseModelNameOrPath = value; }
    }

    /// <summary>Gets or sets the revision of the base model (<c>revision</c>).</summary>
    public string? Revision
    {
        get => _revision;
        set { VerifyMutable(); _revision = value; }
    }

    /// <summary>Gets or sets a value indicating whether the adapter is loaded for inference only, with every parameter frozen (<c>inference_mode</c>).</summary>
    public bool InferenceMode
    {
        get => _inferenceMode;
        set { VerifyMutable(); _inferenceMode = value; }
    }

    /// <summary>Gets or sets the modules that receive the method's layers (<c>target_modules</c>).</summary>
    /// <remarks>A list matches a module whose full name equals an entry or ends with <c>"." + entry</c>; a regex must match the whole name.</remarks>
    public ModuleSelector? TargetModules
    {
        get => _targetModules;
        set { VerifyMutable(); _targetModules = value; }
    }

    /// <summary>Gets or sets modules never adapted even when <see cref="TargetModules"/> matches them (<c>exclude_modules</c>).</summary>
    public ModuleSelector? ExcludeModules
    {
        get => _excludeModules;
        set { VerifyMutable(); _excludeModules = value; }
    }

    /// <summary>Gets or sets the layer indexes to adapt (<c>layers_to_transform</c>); applies only when <see cref="TargetModules"/> is a list.</summary>
    public IReadOnlyList<int>? LayersToTransform
    {
        get => _layersToTransform;
        set { VerifyMutable(); _layersToTransform = value?.ToArray(); }
    }

    /// <summary>Gets or sets the names of the module lists that hold the layers, such as <c>layer</c> or <c>layers</c> (<c>layers_pattern</c>).</summary>
    public IReadOnlyList<string>? LayersPattern
    {
        get => _layersPattern;
        set { VerifyMutable(); _layersPattern = value?.ToArray(); }
    }

    /// <summary>
    /// Gets or sets modules trained in full and saved with the adapter, such as a classification head (<c>modules_to_save</c>).
    /// </summary>
    /// <remarks>As in PEFT, a module matches when its full name ends with an entry (no dot required, so <c>classifier</c> also matches <c>pre_classifier</c>).</remarks>
    public IReadOnlyList<string>? ModulesToSave
    {
        get => _modulesToSave;
        set { VerifyMutable(); _modulesToSave = value?.ToArray(); }
    }

    /// <summary>Gets the fields of the source <c>adapter_config.json</c> that this library does not interpret; they are written back unchanged.</summary>
    public IReadOnlyDictionary<string, JsonNode?> AdditionalProperties =>
        SourceDocument is null
            ? new Dictionary<string, JsonNode?>()
            : SourceDocument.Where(p => !Adapters.AdapterConfigJson.IsKnownField(this, p.Key))
                .ToDictionary(p => p.Key, p => p.Value?.DeepClone());

    /// <summary>Gets a value indicating whether the configuration has been captured and can no longer change.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>The document this configuration was read from, kept so unknown fields survive a re-save.</summary>
    internal JsonObject? SourceDocument { get; set; }

    /// <summary>Creates an unfrozen copy of this configuration.</summary>
    /// <returns>A new configuration with the same values.</returns>
    public abstract PeftConfig Clone();

    /// <summary>
    /// Refuses <see cref="ExcludeModules"/> for a method whose PEFT config has no <c>exclude_modules</c>: a saved adapter could
    /// not keep it, so Python would adapt the excluded modules.
    /// </summary>
    private protected void RefuseExcludeModules()
    {
        if (ExcludeModules is not null)
        {
            throw new ArgumentException(
                $"`{nameof(ExcludeModules)}` is not a {PeftType} option in PEFT, so a saved adapter could not keep it; leave the modules out of `{nameof(TargetModules)}` (a regex can skip them) instead.",
                nameof(ExcludeModules));
        }
    }

    /// <summary>Checks every field and every combination of fields.</summary>
    /// <exception cref="ArgumentException">A field has an invalid value; the message names the field and the fix.</exception>
    public virtual void Validate()
    {
        if (_excludeModules?.Kind == ModuleSelectorKind.AllLinear)
        {
            throw new ArgumentException($"`{nameof(ExcludeModules)}` cannot be all-linear; give module names or a regex.", nameof(ExcludeModules));
        }

        if (_layersToTransform is { Count: > 0 } && _layersToTransform.Any(i => i < 0))
        {
            throw new ArgumentException(
                $"`{nameof(LayersToTransform)}` must hold non-negative layer indexes, got [{string.Join(", ", _layersToTransform)}].",
                nameof(LayersToTransform));
        }

        if (_layersPattern is { Count: > 0 } && _layersToTransform is null or { Count: 0 })
        {
            throw new ArgumentException(
                $"`{nameof(LayersPattern)}` only has an effect together with `{nameof(LayersToTransform)}`; set both or neither.",
                nameof(LayersPattern));
        }

        if (_modulesToSave is not null && _modulesToSave.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"`{nameof(ModulesToSave)}` contains an empty module name.", nameof(ModulesToSave));
        }
    }

    /// <summary>Makes the configuration read-only; later setters throw.</summary>
    internal void Freeze() => IsFrozen = true;

    /// <summary>Throws when the configuration has been frozen.</summary>
    /// <exception cref="InvalidOperationException">The configuration is frozen.</exception>
    protected void VerifyMutable()
    {
        if (IsFrozen)
        {
            throw new InvalidOperationException(
                $"This {GetType().Name} is in use by a model and can no longer change. Call {nameof(Clone)}() and edit the copy.");
        }
    }
}
