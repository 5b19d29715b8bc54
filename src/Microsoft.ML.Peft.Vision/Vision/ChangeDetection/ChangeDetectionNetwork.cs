// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// PeftCD's shape of change detector: one encoder with shared weights reads the image before and the image after
/// (<c>encoder</c>, where a PEFT method adapts it), and <see cref="ChangeDecoder"/> (<c>decoder</c>, trained in full) turns
/// the difference of their feature maps into a change logit per pixel.
/// </summary>
internal sealed class ChangeDetectionNetwork : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>The decoder's module name, trained in full and saved in <c>modules_to_save</c>.</summary>
    internal const string DecoderName = "decoder";

    private readonly ImageEncoder _encoder;
    private readonly ChangeDecoder _decoder;
    private readonly FrozenBatchNorms _batchNorms;

    /// <exception cref="ArgumentException">The encoder gives no spatial feature maps.</exception>
    internal ChangeDetectionNetwork(ImageEncoder encoder)
        : base(nameof(ChangeDetectionNetwork))
    {
        if (encoder.FeatureMapChannels.Count == 0)
        {
            throw new ArgumentException($"Change detection needs an encoder with spatial feature maps (ResNet-18, a ViT); {encoder.GetType().Name} has none.", nameof(encoder));
        }

        _encoder = encoder;
        _decoder = new ChangeDecoder(encoder.FeatureMapChannels);
        register_module("encoder", _encoder);
        register_module(DecoderName, _decoder);
        _batchNorms = new FrozenBatchNorms(this);
    }

    internal ImageEncoder Encoder => _encoder;

    /// <summary>Puts the encoder's BatchNorm layers back in evaluation mode before a training forward (<see cref="FrozenBatchNorms"/>).</summary>
    internal void FreezeBatchNorms() => _batchNorms.Apply();

    /// <summary>The change logits <c>[N, 1, H, W]</c> of pixel values before and after, both <c>[N, 3, H, W]</c>.</summary>
    public override Tensor forward(Tensor before, Tensor after)
    {
        if (!before.shape.SequenceEqual(after.shape))
        {
            throw new ArgumentException($"The images before and after differ in shape: [{string.Join(", ", before.shape)}] and [{string.Join(", ", after.shape)}].");
        }

        using var scope = NewDisposeScope();

        // One pass over both dates: the encoder sees a batch of 2N images, so its weights are shared by construction. An
        // encoder built for one input size (a ViT, whose position embeddings are not interpolated) reads the pair resized to
        // it; the decoder still maps change at the pair's own size.
        var pixels = cat(new[] { before, after }, 0);
        if (_encoder.ImageSize is int side && (pixels.shape[2] != side || pixels.shape[3] != side))
        {
            pixels = nn.functional.interpolate(pixels, size: new long[] { side, side }, mode: InterpolationMode.Bilinear, align_corners: false);
        }

        var maps = _encoder.FeatureMaps(pixels);
        long n = before.shape[0];
        var first = maps.Select(m => m.narrow(0, 0, n)).ToList();
        var second = maps.Select(m => m.narrow(0, n, n)).ToList();
        return _decoder.Decode(first, second, before.shape[2], before.shape[3]).MoveToOuterDisposeScope();
    }
}
