// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>The feed-forward activations of Hugging Face's <c>ACT2FN</c> that the encoders here accept, by their config names.</summary>
internal static class HiddenActivation
{
    /// <summary>The accepted names: <c>gelu</c> (exact, with erf), <c>gelu_new</c> (tanh approximation), <c>relu</c>.</summary>
    internal static IReadOnlyList<string> Names { get; } = new[] { "gelu", "relu", "gelu_new" };

    /// <summary>Applies the activation named <paramref name="name"/>, one of <see cref="Names"/>.</summary>
    internal static Tensor Apply(string name, Tensor input) => name switch
    {
        "relu" => nn.functional.relu(input),
        "gelu_new" => nn.functional.gelu(input, approximate: GELU.Approximate.tanh),
        _ => nn.functional.gelu(input),
    };
}
