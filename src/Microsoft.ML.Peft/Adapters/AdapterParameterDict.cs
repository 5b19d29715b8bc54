// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Adapter-name → parameter container. Parameters are looked up by name on every access because
/// <c>Module.to()</c> replaces them with moved copies.
/// </summary>
internal sealed class AdapterParameterDict : torch.nn.Module
{
    internal AdapterParameterDict()
        : base(nameof(AdapterParameterDict))
    {
    }

    internal Parameter this[string adapterName] => get_parameter(adapterName)
        ?? throw new KeyNotFoundException($"No parameter for adapter '{adapterName}'.");

    internal bool Contains(string adapterName) => has_parameter(adapterName);

    internal void Add(string adapterName, Parameter parameter) =>
        ConditionallyRegisterParameter(adapterName, (Parameter)parameter.DetachFromDisposeScope());

    internal void Remove(string adapterName)
    {
        var parameter = get_parameter(adapterName);
        ConditionallyRegisterParameter(adapterName, (Parameter?)null);
        parameter?.Dispose();
    }
}
