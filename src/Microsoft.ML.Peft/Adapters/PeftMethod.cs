// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// One PEFT method: its names, its configuration's JSON fields, which modules it can adapt, and how it
/// creates its layers. A new method is a subclass in its own folder plus one line in <see cref="PeftMethodRegistry"/>.
/// </summary>
internal abstract class PeftMethod
{
    /// <summary>Lowercase registry name, e.g. <c>lora</c>.</summary>
    internal abstract string Name { get; }

    /// <summary>PEFT's <c>peft_type</c>, e.g. <c>LORA</c>.</summary>
    internal abstract string PeftType { get; }

    /// <summary>The prefix of the method's tensor names, e.g. <c>lora_</c>.</summary>
    internal abstract string Prefix { get; }

    internal abstract Type ConfigType { get; }

    /// <summary>Human-readable list of the module types the method can adapt, for error messages.</summary>
    internal abstract string SupportedModuleTypes { get; }

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

    internal abstract bool CanAdapt(nn.Module module);

    /// <summary>Creates the (still empty) tuner layer for a target module.</summary>
    internal abstract TunerLayer CreateLayer(string modulePath, nn.Module target);

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
    /// The method's own default targets for a text architecture (PEFT's per-method <c>model_type</c> mappings); null when the
    /// method has none, and the estimator's default targets apply.
    /// </summary>
    internal virtual IReadOnlyList<string>? DefaultTargetModules(Backbones.Text.TextArchitecture architecture) => null;

    /// <summary>
    /// Fills, for a text architecture, what <paramref name="config"/> leaves unset and the method has a default for, as PEFT's
    /// <c>_prepare_adapter_config</c> does: the targets from <see cref="DefaultTargetModules"/>, and method-specific fields in
    /// overrides. Fields the user set are kept; targets still null afterwards get the estimator's default.
    /// </summary>
    internal virtual void CompleteForArchitecture(PeftConfig config, Backbones.Text.TextArchitecture architecture)
    {
        if (config.TargetModules is null && DefaultTargetModules(architecture) is { } names)
        {
            config.TargetModules = ModuleSelector.FromNames(names.ToArray());
        }
    }
}
