// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// torchvision's <c>BasicBlock</c>: conv1 (3×3, the block's stride), bn1, ReLU, conv2 (3×3), bn2, plus the shortcut (the
/// input, or <c>downsample</c> = 1×1 conv and BatchNorm when the stride or the width changes), then ReLU.
/// </summary>
internal sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "conv1")]
    private readonly Conv2d _conv1;
    [ComponentName(Name = "bn1")]
    private readonly BatchNorm2d _bn1;
    [ComponentName(Name = "conv2")]
    private readonly Conv2d _conv2;
    [ComponentName(Name = "bn2")]
    private readonly BatchNorm2d _bn2;
    [ComponentName(Name = "downsample")]
    private readonly Sequential? _downsample;

    internal ResNetBasicBlock(int inChannels, int outChannels, int stride)
        : base(nameof(ResNetBasicBlock))
    {
        _conv1 = ScopedModules.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        _bn1 = BatchNorm(outChannels);
        _conv2 = ScopedModules.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        _bn2 = BatchNorm(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            _downsample = nn.Sequential(
                ("0", ScopedModules.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", BatchNorm(outChannels)));
        }

        RegisterComponents();
    }

    /// <summary>torchvision's BatchNorm2d (eps 1e-5), built so that no temporary of its construction outlives it.</summary>
    internal static BatchNorm2d BatchNorm(int channels) => ScopedModules.Create(() => nn.BatchNorm2d(channels));

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var hidden = nn.functional.relu(_bn1.call(_conv1.call(input)));
        hidden = _bn2.call(_conv2.call(hidden));
        var shortcut = _downsample is null ? input : _downsample.call(input);
        return nn.functional.relu(hidden.add(shortcut)).MoveToOuterDisposeScope();
    }
}
