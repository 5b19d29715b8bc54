// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Adapter-name → module container whose entries are registered as children the moment they are added, so
/// <c>named_parameters()</c>, <c>to()</c> and <c>Dispose()</c> see adapters added after construction.
/// TorchSharp's <c>ModuleDict</c> registers its entries only once, at first registration.
/// </summary>
internal sealed class AdapterModuleDict<T> : torch.nn.Module
    where T : torch.nn.Module
{
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

    internal AdapterModuleDict()
        : base(nameof(AdapterModuleDict<T>))
    {
    }

    internal T this[string adapterName] => _items[adapterName];

    internal bool Contains(string adapterName) => _items.ContainsKey(adapterName);

    internal void Add(string adapterName, T module)
    {
        _items.Add(adapterName, module);
        register_module(adapterName, module);
    }

    internal void Remove(string adapterName)
    {
        if (_items.Remove(adapterName, out var module))
        {
            register_module(adapterName, null!);
            module.Dispose();
        }
    }
}
