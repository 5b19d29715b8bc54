// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// The light decoder of the change detector: the absolute difference of the two images' feature maps at each scale, a 1×1
/// projection of each to <see cref="Width"/> channels (<c>lateral.{i}</c>), a top-down feature pyramid (each coarser level
/// upsampled bilinearly and added to the finer one), one 3×3 convolution with ReLU (<c>fuse</c>) and a 1×1 convolution to
/// the change logit (<c>head</c>), upsampled to the input's size.
/// </summary>
/// <remarks>
/// Decided: PeftCD decodes each branch with a heavier pyramid and attention over levels; a difference pyramid is the lighter
/// classic (FC-Siam-diff), and the absolute difference makes the map symmetric in the two dates, which a change between
/// them is. No normalisation layer: change-detection batches are a few image pairs, too few for BatchNorm's statistics.
/// </remarks>
internal sealed class ChangeDecoder : nn.Module
{
    /// <summary>The channels of every pyramid level.</summary>
    internal const int Width = 64;

    private readonly ModuleList<Conv2d> _lateral = new();
    private readonly Conv2d _fuse;
    private readonly Conv2d _head;

    /// <param name="channels">The channels of the encoder's maps, finest first.</param>
    internal ChangeDecoder(IReadOnlyList<int> channels)
        : base(nameof(ChangeDecoder))
    {
        if (channels.Count == 0)
        {
            throw new ArgumentException("The change decoder needs at least one feature map.", nameof(channels));
        }

        foreach (int c in channels)
        {
            _lateral.Add(ScopedModules.Conv2d(c, Width, 1));
        }

        _fuse = ScopedModules.Conv2d(Width, Width, 3, padding: 1);
        _head = ScopedModules.Conv2d(Width, 1, 1);
        register_module("lateral", _lateral);
        register_module("fuse", _fuse);
        register_module("head", _head);
    }

    /// <summary>The change logits <c>[N, 1, height, width]</c> from the two dates' feature maps, finest first.</summary>
    internal Tensor Decode(IReadOnlyList<Tensor> before, IReadOnlyList<Tensor> after, long height, long width)
    {
        if (before.Count != _lateral.Count || after.Count != _lateral.Count)
        {
            throw new ArgumentException($"The decoder takes {_lateral.Count} maps per image, got {before.Count} and {after.Count}.");
        }

        using var scope = NewDisposeScope();
        Tensor? pyramid = null;
        for (int level = _lateral.Count - 1; level >= 0; level--)
        {
            var lateral = _lateral[level].call((before[level] - after[level]).abs());
            pyramid = pyramid is null
                ? lateral
                : lateral + nn.functional.interpolate(pyramid, size: new[] { lateral.shape[2], lateral.shape[3] }, mode: InterpolationMode.Bilinear, align_corners: false);
        }

        var logits = _head.call(nn.functional.relu(_fuse.call(pyramid!)));
        return nn.functional.interpolate(logits, size: new[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false).MoveToOuterDisposeScope();
    }
}
