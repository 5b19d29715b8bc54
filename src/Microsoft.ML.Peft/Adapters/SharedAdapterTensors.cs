// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Frozen tensors that one adapter shares across all of its layers, held once per model rather than once per layer
/// (VeRA's <c>vera_A</c>/<c>vera_B</c>, RandLoRA's <c>randlora_A</c>/<c>randlora_B</c>). PEFT keeps them on the tuner
/// model as <c>base_model.{name}.{adapter}</c> and saves them as <c>base_model.{name}</c>.
/// </summary>
/// <remarks>
/// Layers keep a reference to this object, never to the tensors, and look a tensor up on every use: a device move
/// replaces the tensors, and every layer must then see the moved ones.
/// </remarks>
internal sealed class SharedAdapterTensors : IDisposable
{
    private const string KeyPrefix = "base_model.";
    private readonly Dictionary<string, Tensor> _tensors;

    /// <param name="tensors">The tensors by PEFT's name; taken over (detached from every dispose scope) and frozen.</param>
    /// <param name="persistent">Whether the tensors are part of the saved adapter (PEFT's <c>save_projection</c>).</param>
    internal SharedAdapterTensors(IReadOnlyDictionary<string, Tensor> tensors, bool persistent)
    {
        _tensors = tensors.ToDictionary(p => p.Key, p => p.Value.detach().DetachFromDisposeScope(), StringComparer.Ordinal);
        Persistent = persistent;
    }

    /// <summary>Whether the tensors are saved with the adapter; when false a load recreates them from the configuration.</summary>
    internal bool Persistent { get; }

    internal IReadOnlyCollection<string> Names => _tensors.Keys;

    internal Tensor this[string name] => _tensors[name];

    /// <summary>The tensors under their saved keys (<c>base_model.vera_A</c>, …); empty when they are not persistent.</summary>
    internal IEnumerable<(string Key, Tensor Tensor)> SavedTensors() =>
        Persistent ? _tensors.Select(p => (KeyPrefix + p.Key, p.Value)) : Enumerable.Empty<(string, Tensor)>();

    internal void MoveTo(Device device) => StoredTensors.MoveAll(_tensors, device);

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
