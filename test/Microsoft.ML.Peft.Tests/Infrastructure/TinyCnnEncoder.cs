// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>The encoder of <see cref="TinyCnnArchitecture"/>: conv1 (3×3), bn1, ReLU, mean over H and W, proj; its feature map is the ReLU's output.</summary>
internal sealed class TinyCnnEncoder : ImageEncoder
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Linear proj;

    internal TinyCnnEncoder(int channels, int features)
        : base(nameof(TinyCnnEncoder))
    {
        conv1 = ScopedModules.Conv2d(3, channels, 3, padding: 1);
        bn1 = nn.BatchNorm2d(channels);
        proj = nn.Linear(channels, features);
        FeatureSize = features;
        RegisterComponents();
    }

    internal override int FeatureSize { get; }

    internal override int? ImageSize => null;

    internal BatchNorm2d BatchNorm => bn1;

    /// <summary>One map, the convolution's output at the input's resolution.</summary>
    internal override IReadOnlyList<int> FeatureMapChannels => new[] { (int)conv1.weight!.shape[0] };

    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return proj.call(Hidden(pixelValues).mean(new long[] { 2, 3 })).MoveToOuterDisposeScope();
    }

    internal override IReadOnlyList<Tensor> FeatureMaps(Tensor pixelValues) => new[] { Hidden(pixelValues) };

    private Tensor Hidden(Tensor pixelValues) => nn.functional.relu(bn1.call(conv1.call(pixelValues)));
}
