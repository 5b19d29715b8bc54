// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>The outputs of <c>CLIPModel</c>'s forward pass, named as Hugging Face's <c>CLIPOutput</c>.</summary>
/// <param name="ImageEmbeds">The L2-normalised image embeddings (images, projection_dim).</param>
/// <param name="TextEmbeds">The L2-normalised text embeddings (texts, projection_dim).</param>
/// <param name="LogitsPerImage">The scaled cosine similarities (images, texts): <c>logit_scale.exp() * image_embeds @ text_embeds.T</c>.</param>
/// <param name="LogitsPerText">Their transpose (texts, images).</param>
internal sealed record ClipOutput(Tensor ImageEmbeds, Tensor TextEmbeds, Tensor LogitsPerImage, Tensor LogitsPerText);
