// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// torchvision's <c>ResNet(BasicBlock, layers)</c> without its <c>fc</c> head: conv1 (7×7, stride 2), bn1, ReLU, 3×3 max
/// pool, four layers of <see cref="ResNetBasicBlock"/>s (64, 128, 256, 512 channels; layers 2–4 halve the resolution),
/// global average pool. Pixel values <c>[N, 3, H, W]</c> to features <c>[N, 512]</c>. <c>layers</c> [2, 2, 2, 2] is
/// <c>resnet18</c>, [3, 4, 6, 3] <c>resnet34</c>. Its state_dict keys are torchvision's (<c>conv1.weight</c>,
/// <c>layer1.0.bn1.running_mean</c>, <c>layer2.0.downsample.0.weight</c>, …), so PEFT's <c>target_modules</c> for torchvision
/// ResNets (<c>conv1</c>, <c>conv2</c>) select the same modules.
/// </summary>
internal sealed class ResNetModel : ImageEncoder
{
    /// <summary>The width of the features.</summary>
    internal const int Features = 512;

    /// <summary>The channels of layer1 … layer4.</summary>
    internal static readonly int[] LayerChannels = { 64, 128, 256, 512 };

    [ComponentName(Name = "conv1")]
    private readonly Conv2d _conv1;
    [ComponentName(Name = "bn1")]
    private readonly BatchNorm2d _bn1;
    [ComponentName(Name = "layer1")]
    private readonly Sequential _layer1;
    [ComponentName(Name = "layer2")]
    private readonly Sequential _layer2;
    [ComponentName(Name = "layer3")]
    private readonly Sequential _layer3;
    [ComponentName(Name = "layer4")]
    private readonly Sequential _layer4;

    /// <param name="blocks">The basic blocks of layer1 … layer4, each at least 1.</param>
    internal ResNetModel(IReadOnlyList<int> blocks)
        : base(nameof(ResNetModel))
    {
        if (blocks.Count != LayerChannels.Length || blocks.Any(b => b < 1))
        {
            throw new ArgumentException($"A ResNet has {LayerChannels.Length} layers of at least one block; got [{string.Join(", ", blocks)}].", nameof(blocks));
        }

        Blocks = blocks.ToArray();
        _conv1 = ScopedModules.Conv2d(3, LayerChannels[0], 7, stride: 2, padding: 3, bias: false);
        _bn1 = ResNetBasicBlock.BatchNorm(LayerChannels[0]);
        _layer1 = Layer(LayerChannels[0], LayerChannels[0], 1, blocks[0]);
        _layer2 = Layer(LayerChannels[0], LayerChannels[1], 2, blocks[1]);
        _layer3 = Layer(LayerChannels[1], LayerChannels[2], 2, blocks[2]);
        _layer4 = Layer(LayerChannels[2], LayerChannels[3], 2, blocks[3]);
        RegisterComponents();
    }

    /// <summary>The basic blocks of each layer.</summary>
    internal IReadOnlyList<int> Blocks { get; }

    internal override int FeatureSize => Features;

    /// <summary>
    /// 224: the ImageNet training size, which the package's preprocessing produces. The CNTK export pads its strided
    /// convolutions and the max pool asymmetrically, which equals torchvision's symmetric padding only on even sizes.
    /// </summary>
    internal override int? ImageSize => 224;

    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var hidden = _layer4.call(_layer3.call(_layer2.call(_layer1.call(Stem(pixelValues)))));
        return hidden.mean(new long[] { 2, 3 }).MoveToOuterDisposeScope();
    }

    /// <summary>layer1 … layer4's channels: 64, 128, 256, 512.</summary>
    internal override IReadOnlyList<int> FeatureMapChannels => LayerChannels;

    /// <summary>The outputs of layer1 … layer4, at strides 4, 8, 16 and 32 of the input.</summary>
    internal override IReadOnlyList<Tensor> FeatureMaps(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var stage1 = _layer1.call(Stem(pixelValues));
        var stage2 = _layer2.call(stage1);
        var stage3 = _layer3.call(stage2);
        var stage4 = _layer4.call(stage3);
        return new[] { stage1.MoveToOuterDisposeScope(), stage2.MoveToOuterDisposeScope(), stage3.MoveToOuterDisposeScope(), stage4.MoveToOuterDisposeScope() };
    }

    // conv1, bn1, ReLU and the 3 × 3 max pool: stride 4 before layer1.
    private Tensor Stem(Tensor pixelValues) =>
        nn.functional.max_pool2d(nn.functional.relu(_bn1.call(_conv1.call(pixelValues))), kernel_size: 3, stride: 2, padding: 1);

    private static Sequential Layer(int inChannels, int outChannels, int stride, int blocks)
    {
        var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("0", new ResNetBasicBlock(inChannels, outChannels, stride)) };
        for (int i = 1; i < blocks; i++)
        {
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), new ResNetBasicBlock(outChannels, outChannels, 1)));
        }

        return nn.Sequential(modules);
    }
}
