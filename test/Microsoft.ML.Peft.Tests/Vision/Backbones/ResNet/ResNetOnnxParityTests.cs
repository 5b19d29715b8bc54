// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.ResNet;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

public sealed class ResNetOnnxParityTests
{
    private const double Tolerance = 1e-4;
    private readonly ITestOutputHelper _output;

    public ResNetOnnxParityTests(ITestOutputHelper output) => _output = output;

    [SharedFixtureFact(ResNetFixtureImages.Folder)]
    public void ResNet18_FeaturesOfRealImages_EqualOnnxRuntimeOnTheSameFileAndInput()
    {
        var backbone = VisionBackbones.ResNet18().AsVision("test");
        var processor = backbone.CreateProcessor();
        using var encoder = backbone.CreateEncoder();
        foreach (string name in ResNetFixtureImages.Names)
        {
            using var scope = NewDisposeScope();
            var pixels = processor.Process(new[] { ResNetFixtureImages.Read(name) });
            float[] expected = ResNetOnnxRuntimeReference.Run(ResNet18Package.ModelPath, pixels.data<float>().ToArray(), new[] { 1, 3, 224, 224 });
            using var noGrad = no_grad();
            float[] actual = encoder.call(pixels).data<float>().ToArray();

            Assert.Equal(ResNetModel.Features, actual.Length);
            Assert.Equal(expected.Length, actual.Length);
            double relative = MaxDifference(expected, actual) / expected.Max(v => Math.Abs(v));
            _output.WriteLine($"{name}: max |TorchSharp - ONNX Runtime| / max |ONNX Runtime| = {relative:E2}");
            Assert.True(relative <= Tolerance, $"{name}: relative difference {relative:E2} > {Tolerance:E0}");
        }
    }

    [SharedFixtureFact(ResNetFixtureImages.Folder)]
    public void PackageProcessor_On224PixelImages_EqualsResNetPreprocessOnnxInOnnxRuntime()
    {
        var processor = VisionBackbones.ResNet18().AsVision("test").CreateProcessor();
        foreach (string name in ResNetFixtureImages.Names)
        {
            // The graph takes 224 × 224 RGB planes (ML.NET resizes before it), so both get the same already-sized image.
            var image = ResNetFixtureImages.CenterSquare(ResNetFixtureImages.Read(name), 224);
            float[] expected = ResNetOnnxRuntimeReference.Run(ResNet18Package.PreprocessPath, ResNetFixtureImages.Planes(image), new[] { 1, 3, 224, 224 });
            using var pixels = processor.Process(new[] { image });
            float[] actual = pixels.data<float>().ToArray();

            double difference = MaxDifference(expected, actual);
            _output.WriteLine($"{name}: max |processor - ResNetPreprocess.onnx| = {difference:E2}");
            Assert.True(difference <= 1e-4, $"{name}: {difference}");
        }
    }

    [Fact]
    public void PackageProcessor_ResizesTheShortSideTo224CropsAndSubtractsTheMeanImageInBgr()
    {
        var config = ResNetArchitecture.Instance.DefaultProcessorConfig;

        Assert.Equal(224, config.ShortestEdge);
        Assert.Equal((224, 224), config.OutputSize);
        Assert.True(config.BgrOutput);
        Assert.Null(config.RescaleFactor);
        Assert.Null(config.Mean);
        Assert.Equal(3 * 224 * 224, config.MeanImage!.Length);

        // A grey image of level 128 becomes 128 minus the mean image, channel by channel in B, G, R order.
        var grey = new RgbImage(300, 250, Enumerable.Repeat((byte)128, 300 * 250 * 3).ToArray());
        using var pixels = ImageProcessor.FromConfig(config).Process(new[] { grey });
        Assert.Equal(new long[] { 1, 3, 224, 224 }, pixels.shape);
        Assert.Equal(config.MeanImage.Select(m => 128 - m), pixels.data<float>().ToArray());
    }

    private static double MaxDifference(float[] expected, float[] actual) =>
        expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
}
