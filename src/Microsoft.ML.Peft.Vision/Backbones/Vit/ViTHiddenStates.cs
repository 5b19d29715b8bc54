// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>A ViT's hidden states of every token, before and after the final LayerNorm.</summary>
/// <param name="LastHidden">The last layer's output, <c>hidden_states[-1]</c>.</param>
/// <param name="Normalized">After the final LayerNorm, <c>last_hidden_state</c>.</param>
internal readonly record struct ViTHiddenStates(Tensor LastHidden, Tensor Normalized);
