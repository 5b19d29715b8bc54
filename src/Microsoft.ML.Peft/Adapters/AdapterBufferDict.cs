// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Adapter-name → buffer container, for tensors that define an adapter without training (PaCA's column indices).
/// Buffers are looked up by name on every access because <c>Module.to()</c> replaces them with moved copies.
/// </summary>
internal sealed class AdapterBufferDict : nn.Module
{
    internal AdapterBufferDict()
        : base(nameof(AdapterBufferDict))
    {
    }

    internal Tensor this[string adapterName] => get_buffer(adapterName)
        ?? throw new KeyNotFoundException($"No buffer for adapter '{adapterName}'.");

    internal void Add(string adapterName, Tensor buffer) =>
        ConditionallyRegisterBuffer(adapterName, buffer.DetachFromDisposeScope());

    internal void Remove(string adapterName)
    {
        var buffer = get_buffer(adapterName);
        ConditionallyRegisterBuffer(adapterName, null);
        buffer?.Dispose();
    }
}
