// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// The image tower of a vision backbone: pixel values <c>[N, 3, H, W]</c>, already resized and normalised by the backbone's
/// <see cref="ImageProcessor"/>, to one feature vector per image <c>[N, FeatureSize]</c> (ViT's pooled class token or its
/// final-LayerNorm class token, ResNet's global average pool, CLIP's projected image embedding). Its parameter names are the
/// Hugging Face (or torchvision) checkpoint keys.
/// </summary>
internal abstract class ImageEncoder : nn.Module<Tensor, Tensor>
{
    protected ImageEncoder(string name)
        : base(name)
    {
    }

    /// <summary>The width of one image's feature vector.</summary>
    internal abstract int FeatureSize { get; }

    /// <summary>The side of the square input the encoder was built for (ViT's <c>image_size</c>); null when any size works.</summary>
    internal abstract int? ImageSize { get; }

    /// <summary>
    /// The channels of each map <see cref="FeatureMaps"/> returns, finest first; empty when the encoder gives no spatial
    /// maps, so dense tasks (change detection) cannot use it.
    /// </summary>
    internal virtual IReadOnlyList<int> FeatureMapChannels => Array.Empty<int>();

    /// <summary>
    /// The encoder's intermediate feature maps of pixel values <c>[N, 3, H, W]</c>, finest first (a CNN's stage outputs at
    /// strides 4, 8, 16 and 32), for dense tasks.
    /// </summary>
    /// <exception cref="NotSupportedException">The encoder gives no spatial maps (<see cref="FeatureMapChannels"/> is empty).</exception>
    internal virtual IReadOnlyList<Tensor> FeatureMaps(Tensor pixelValues) =>
        throw new NotSupportedException($"{GetType().Name} gives no spatial feature maps.");
}
