// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>What LoRA's linear and embedding layers share: per-adapter settings and the adapter bookkeeping.</summary>
internal abstract class LoraLayer : TunerLayer
{
    private readonly Dictionary<string, LoraAdapterSettings> _settings = new(StringComparer.Ordinal);

    protected LoraLayer(string name, string modulePath, nn.Module<Tensor, Tensor> target)
        : base(name, modulePath, target)
    {
    }

    internal override IReadOnlyCollection<string> AdapterNames => _settings.Keys;

    internal LoraAdapterSettings Settings(string adapterName) => _settings[adapterName];

    /// <summary>Creates and initializes the adapter's tensors on the base weight's device and dtype.</summary>
    internal void AddAdapter(string adapterName, LoraAdapterSettings settings)
    {
        if (_settings.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        CreateAdapter(adapterName, settings);
        _settings[adapterName] = settings;
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_settings.Remove(adapterName))
        {
            RemoveAdapter(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    /// <summary>The adapter's A (r×in) and B (out×r) parameters, in the same layout for linear and embedding targets.</summary>
    internal abstract (Tensor A, Tensor B) Factors(string adapterName);

    protected abstract void CreateAdapter(string adapterName, LoraAdapterSettings settings);

    protected abstract void RemoveAdapter(string adapterName);
}
