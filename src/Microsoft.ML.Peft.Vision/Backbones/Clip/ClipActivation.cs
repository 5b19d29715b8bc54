// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The feed-forward activations a CLIP tower accepts: OpenAI's <c>quick_gelu</c> (<c>x * sigmoid(1.702 x)</c>), which every
/// OpenAI CLIP checkpoint uses and Hugging Face's CLIP configurations default to, plus the encoders' shared ones.
/// </summary>
internal static class ClipActivation
{
    /// <summary>The name of OpenAI's sigmoid approximation of GELU.</summary>
    internal const string QuickGelu = "quick_gelu";

    /// <summary>The accepted <c>hidden_act</c> names.</summary>
    internal static IReadOnlyList<string> Names { get; } = HiddenActivation.Names.Prepend(QuickGelu).ToArray();

    /// <summary>Applies the activation named <paramref name="name"/>, one of <see cref="Names"/>.</summary>
    internal static Tensor Apply(string name, Tensor input) =>
        name == QuickGelu ? input * (input * 1.702).sigmoid() : HiddenActivation.Apply(name, input);
}
