// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tuning;

/// <summary>
/// A module trained in full for each adapter (PEFT's <c>ModulesToSaveWrapper</c>). Instead of deep-copying the
/// module, which TorchSharp cannot do for arbitrary module types, the slot keeps each adapter's values and the
/// original values aside and copies the active adapter's values into the module's own tensors. The forward pass
/// is untouched and any module type works; the optimizer trains the module's own parameters, so create it after
/// choosing the active adapter.
/// </summary>
internal sealed class ModulesToSaveSlot : IDisposable
{
    private readonly Dictionary<string, Dictionary<string, Tensor>> _stored = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _original;
    private string? _live;

    internal ModulesToSaveSlot(string modulePath, nn.Module module)
    {
        ModulePath = modulePath;
        Module = module;
        _original = Snapshot();
    }

    internal string ModulePath { get; }

    internal nn.Module Module { get; }

    internal IReadOnlyCollection<string> AdapterNames => _stored.Keys;

    /// <summary>Which adapter's values the module holds now; null for the original values.</summary>
    internal string? LiveAdapter => _live;

    internal void AddAdapter(string adapterName)
    {
        if (!_stored.ContainsKey(adapterName))
        {
            // A new adapter starts from the original module, as PEFT's deep copy does.
            _stored[adapterName] = Clone(_original);
        }
    }

    internal void DeleteAdapter(string adapterName)
    {
        if (_live == adapterName)
        {
            Activate(null, trainable: false);
        }

        if (_stored.Remove(adapterName, out var values))
        {
            DisposeAll(values);
        }
    }

    /// <summary>Puts an adapter's values (or the original ones for null) into the module and sets requires_grad.</summary>
    internal void Activate(string? adapterName, bool trainable)
    {
        if (adapterName is not null && !_stored.ContainsKey(adapterName))
        {
            adapterName = null;
        }

        if (_live != adapterName)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var current = Module.state_dict();
            if (_live is not null)
            {
                foreach (var (name, tensor) in current)
                {
                    _stored[_live][name].copy_(tensor);
                }
            }

            var source = adapterName is null ? _original : _stored[adapterName];
            foreach (var (name, tensor) in current)
            {
                tensor.copy_(source[name]);
            }

            _live = adapterName;
        }

        foreach (var parameter in Module.parameters())
        {
            parameter.requires_grad = trainable && adapterName is not null;
        }
    }

    /// <summary>The adapter's tensors by name relative to the module; the live ones when the adapter is active.</summary>
    internal IReadOnlyDictionary<string, Tensor> AdapterTensors(string adapterName) =>
        _live == adapterName ? Module.state_dict() : _stored[adapterName];

    internal long ParameterCount() => Module.parameters().Sum(p => p.numel());

    /// <summary>Moves the stored values to another device.</summary>
    internal void MoveTo(Device device)
    {
        foreach (var values in _stored.Values.Append(_original))
        {
            StoredTensors.MoveAll(values, device);
        }
    }

    public void Dispose()
    {
        foreach (var values in _stored.Values)
        {
            DisposeAll(values);
        }

        _stored.Clear();
        DisposeAll(_original);
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var scope = NewDisposeScope();
        return Module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private static Dictionary<string, Tensor> Clone(Dictionary<string, Tensor> values)
    {
        using var scope = NewDisposeScope();
        return values.ToDictionary(p => p.Key, p => p.Value.clone().DetachFromDisposeScope());
    }

    private static void DisposeAll(Dictionary<string, Tensor> values)
    {
        foreach (var tensor in values.Values)
        {
            tensor.Dispose();
        }

        values.Clear();
    }
}
