// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Extensibility;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// One PEFT method: its names, its configuration's JSON fields, and one layer factory per module type it can adapt.
/// A new method is a subclass in its own folder plus one line in <c>Methods/BuiltInMethods.cs</c>; a new module type
/// for an existing method is one <see cref="RegisterLayer{TModule}"/> call, from any assembly.
/// </summary>
internal abstract class PeftMethod
{
    private readonly object _layerFactoriesLock = new();

    // Copied on write, so lookups during injection need no lock while another assembly registers a module type.
    private volatile LayerFactory[] _layerFactories = Array.Empty<LayerFactory>();

    /// <summary>Lowercase registry name, e.g. <c>lora</c>.</summary>
    internal abstract string Name { get; }

    /// <summary>PEFT's <c>peft_type</c>, e.g. <c>LORA</c>.</summary>
    internal abstract string PeftType { get; }

    /// <summary>The prefix of the method's tensor names, e.g. <c>lora_</c>.</summary>
    internal abstract string Prefix { get; }

    internal abstract Type ConfigType { get; }

    /// <summary>Human-readable list of the module types the method can adapt, for error messages.</summary>
    internal string SupportedModuleTypes => string.Join(", ", _layerFactories.Select(f => f.Description));

    internal abstract PeftConfig CreateConfig();

    /// <summary>The method's own <c>adapter_config.json</c> fields (the shared ones are handled by <see cref="AdapterConfigJson"/>).</summary>
    internal abstract IReadOnlyList<ConfigJsonField> JsonFields { get; }

    /// <summary>
    /// Shared <c>adapter_config.json</c> fields that PEFT's configuration class of this method does not have (IA3 has no
    /// <c>layers_to_transform</c>); they are neither read nor written, so the file holds exactly PEFT's fields.
    /// </summary>
    internal virtual IReadOnlyCollection<string> AbsentSharedFields => Array.Empty<string>();

    /// <summary>Rejects fields of a PEFT config that this library reads but cannot honour (for example quantization options).</summary>
    internal virtual void CheckUnsupportedFields(JsonObject document, string source)
    {
    }

    /// <summary>True when a layer factory covers the module's runtime type (or a base type) and accepts the module.</summary>
    internal bool CanAdapt(nn.Module module) => FindLayerFactory(module) is not null;

    /// <summary>Creates the (still empty) tuner layer for a target module with the factory registered for its type.</summary>
    /// <exception cref="NotSupportedException">No factory covers the module.</exception>
    internal TunerLayer CreateLayer(string modulePath, nn.Module target) =>
        FindLayerFactory(target)?.Create(modulePath, target)
        ?? throw new NotSupportedException($"{PeftType} cannot adapt '{modulePath}' of type {target.GetType().Name}; supported: {SupportedModuleTypes}.");

    /// <summary>
    /// Adds the factory of this method's layer for modules of type <typeparamref name="TModule"/> (and types derived from it
    /// that have no factory of their own). Methods register their layers in their constructor; another assembly adds a module
    /// type to an existing method from its module initializer, e.g. <c>PeftMethodRegistry.ForPeftType("LORA").RegisterLayer&lt;Conv2d&gt;(...)</c>.
    /// </summary>
    /// <param name="create">Creates the (still empty) layer for the module at a path.</param>
    /// <param name="accepts">Narrows the type to the modules the layer can handle (LayerNorm tuning needs affine weights); all when null.</param>
    /// <param name="condition">Says what <paramref name="accepts"/> requires, for error messages.</param>
    /// <exception cref="InvalidOperationException">The type already has a factory for this method.</exception>
    internal void RegisterLayer<TModule>(Func<string, TModule, TunerLayer> create, Func<TModule, bool>? accepts = null, string? condition = null)
        where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(create);
        string description = typeof(TModule).FullName + (condition is null ? string.Empty : $" ({condition})");
        var factory = new LayerFactory(
            typeof(TModule),
            (path, module) => create(path, (TModule)module),
            module => accepts is null || accepts((TModule)module),
            description);
        lock (_layerFactoriesLock)
        {
            if (_layerFactories.Any(f => f.ModuleType == typeof(TModule)))
            {
                throw new InvalidOperationException($"{PeftType} already has a layer for {typeof(TModule).FullName}; a module type has one layer per method.");
            }

            _layerFactories = _layerFactories.Append(factory).ToArray();
        }
    }

    /// <summary>Adds one adapter, configured by <paramref name="config"/>, to a layer this method created.</summary>
    internal abstract void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config);

    /// <summary>
    /// Creates the model-level tensors that every layer of a new adapter shares (VeRA's and RandLoRA's frozen random
    /// projections), once the targets are known; null for methods without any. Also checks the new configuration
    /// against the model's other adapters, whose configurations are <paramref name="otherConfigs"/>.
    /// </summary>
    internal virtual SharedAdapterTensors? CreateSharedTensors(
        string adapterName, PeftConfig config, IReadOnlyList<(string Path, nn.Module Module)> targets, IReadOnlyCollection<PeftConfig> otherConfigs) => null;

    /// <summary>Adds one adapter to a layer, with the adapter's shared tensors when <see cref="CreateSharedTensors"/> made some.</summary>
    internal virtual void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config, SharedAdapterTensors? shared) =>
        AddAdapter(layer, adapterName, config);

    /// <summary>
    /// The configuration of an adapter rewritten so that it applies to the original base weights, for methods whose
    /// initialization changed them (PiSSA, OLoRA); null when the base was never changed.
    /// </summary>
    internal virtual PeftConfig? ConfigForOriginalBase(PeftConfig config) => null;

    /// <summary>False for methods whose update cannot be folded into the base weights (a non-linearity); merging them is refused.</summary>
    internal virtual bool CanMerge => true;

    /// <summary>Module paths whose <c>bias</c> trains and is saved with the adapter (PEFT's <c>bias</c> option).</summary>
    internal virtual IEnumerable<string> TrainableBiasModules(PeftConfig config, nn.Module model, IReadOnlyCollection<string> targetPaths) =>
        Array.Empty<string>();

    /// <summary>
    /// The method's own default targets for a model type such as <c>bert</c> (PEFT's per-method <c>model_type</c> mappings);
    /// null when the method has none, and the estimator's default targets apply.
    /// </summary>
    internal virtual IReadOnlyList<string>? DefaultTargetModules(string modelType) => null;

    /// <summary>
    /// Fills, for a model type, what <paramref name="config"/> leaves unset and the method has a default for, as PEFT's
    /// <c>_prepare_adapter_config</c> does: the targets from <see cref="DefaultTargetModules"/>, and method-specific fields in
    /// overrides. Fields the user set are kept; targets still null afterwards get the estimator's default.
    /// </summary>
    /// <param name="config">The configuration to complete.</param>
    /// <param name="modelType">The backbone's Hugging Face <c>model_type</c>, e.g. <c>bert</c>.</param>
    internal virtual void CompleteForModelType(PeftConfig config, string modelType)
    {
        if (config.TargetModules is null && DefaultTargetModules(modelType) is { } names)
        {
            config.TargetModules = ModuleSelector.FromNames(names.ToArray());
        }
    }

    // The most derived registered type of the module whose factory accepts it. A miss loads the known extension
    // assemblies once and looks again, since their module initializers may add module types to this method.
    private LayerFactory? FindLayerFactory(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (Lookup(module) is { } factory)
        {
            return factory;
        }

        ExtensionAssemblies.EnsureLoaded();
        return Lookup(module);
    }

    private LayerFactory? Lookup(nn.Module module)
    {
        var factories = _layerFactories;
        for (var type = module.GetType(); type is not null; type = type.BaseType)
        {
            var factory = Array.Find(factories, f => f.ModuleType == type);
            if (factory is not null && factory.Accepts(module))
            {
                return factory;
            }
        }

        return null;
    }

    private sealed record LayerFactory(Type ModuleType, Func<string, nn.Module, TunerLayer> Create, Func<nn.Module, bool> Accepts, string Description);
}
