// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Image;

public sealed class ImageProcessorTests
{
    private static readonly ImageProcessorConfig s_defaults = new(4, 4, null, ImageProcessorConfig.Bilinear, null, null, 1 / 255.0, new[] { 0.5, 0.5, 0.5 }, new[] { 0.5, 0.5, 0.5 });

    [Fact]
    public void Process_ImageOfTheOutputSize_RescalesAndNormalisesEachChannelChannelsFirst()
    {
        var processor = ImageProcessor.FromConfig(s_defaults with { Mean = new[] { 0.1, 0.2, 0.3 }, Std = new[] { 0.5, 0.25, 2.0 } });
        var pixels = new byte[4 * 4 * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 5);
        }

        using var scope = NewDisposeScope();
        var values = processor.Process(new[] { new RgbImage(4, 4, pixels) });

        Assert.Equal(new long[] { 1, 3, 4, 4 }, values.shape);
        double[] mean = { 0.1, 0.2, 0.3 };
        double[] std = { 0.5, 0.25, 2.0 };
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double expected = ((pixels[(((y * 4) + x) * 3) + c] / 255.0) - mean[c]) / std[c];
                    Assert.Equal(expected, values[0, c, y, x].item<float>(), 1e-5);
                }
            }
        }
    }

    [Fact]
    public void Process_ShortestEdgeThenCenterCrop_GivesTheCropOfTheResizedImage()
    {
        // CLIP's processing: the shorter side to 4, keeping the aspect ratio (8 x 16 -> 4 x 8), then the central 4 x 4.
        var processor = ImageProcessor.FromConfig(s_defaults with { ResizeHeight = null, ResizeWidth = null, ShortestEdge = 4, CropHeight = 4, CropWidth = 4, Mean = null, Std = null, RescaleFactor = null });
        var pixels = new byte[8 * 16 * 3];
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                // Left half black, right half white: the crop's left half comes from the black half.
                byte value = x < 8 ? (byte)0 : (byte)255;
                pixels[(((y * 16) + x) * 3) + 0] = value;
                pixels[(((y * 16) + x) * 3) + 1] = value;
                pixels[(((y * 16) + x) * 3) + 2] = value;
            }
        }

        using var scope = NewDisposeScope();
        var values = processor.Process(new[] { new RgbImage(16, 8, pixels) });

        Assert.Equal(new long[] { 1, 3, 4, 4 }, values.shape);
        Assert.Equal(0f, values[0, 0, 2, 0].item<float>());
        Assert.Equal(255f, values[0, 0, 2, 3].item<float>());
    }

    [Fact]
    public void Process_LargerImage_ResizesToTheConfiguredSizeWithValuesInRange()
    {
        var processor = ImageProcessor.FromConfig(s_defaults with { Mean = null, Std = null, RescaleFactor = null });
        var pixels = Enumerable.Repeat((byte)200, 10 * 12 * 3).ToArray();

        using var scope = NewDisposeScope();
        var values = processor.Process(new[] { new RgbImage(12, 10, pixels), new RgbImage(12, 10, pixels) });

        Assert.Equal(new long[] { 2, 3, 4, 4 }, values.shape);
        // A constant image stays constant through an antialiased resize, rounded back to 8 bits.
        Assert.Equal(200f, values.min().item<float>());
        Assert.Equal(200f, values.max().item<float>());
    }

    [Fact]
    public void FromFiles_PreprocessorConfig_OverridesTheDefaultsField_ByField()
    {
        var json = "{\"size\": {\"height\": 8, \"width\": 6}, \"resample\": 3, \"do_center_crop\": false, \"image_mean\": [0.4, 0.4, 0.4], \"image_std\": 0.2}";
        var files = new Dictionary<string, byte[]> { [ImageProcessorConfig.FileName] = Encoding.UTF8.GetBytes(json) };

        var processor = ImageProcessor.FromFiles(files, s_defaults, "model");

        Assert.Equal((8, 6), (processor.OutputHeight, processor.OutputWidth));
        Assert.Equal(ImageProcessorConfig.Bicubic, processor.Config.Resample);
        Assert.Equal(1 / 255.0, processor.Config.RescaleFactor);
        Assert.Equal(new[] { 0.2, 0.2, 0.2 }, processor.Config.Std);
        Assert.Same(files, processor.Files);
    }

    [Fact]
    public void FromFiles_NoPreprocessorConfig_UsesTheArchitecturesDefault()
    {
        var processor = ImageProcessor.FromFiles(new Dictionary<string, byte[]>(), s_defaults, "model");

        Assert.Equal(s_defaults, processor.Config);
    }

    [Theory]
    [InlineData("{\"size\": {\"height\": 0, \"width\": 4}}", "size.height")]
    [InlineData("{\"resample\": 0}", "resample")]
    [InlineData("{\"image_mean\": [0.5, 0.5]}", "image_mean")]
    [InlineData("{\"do_resize\": \"yes\"}", "do_resize")]
    [InlineData("{\"size\": {\"shortest_edge\": 4}, \"do_center_crop\": false}", "crop_size")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"size\": ", "not valid JSON")]
    public void FromFiles_BadPreprocessorConfig_IsRefusedNamingTheFileAndField(string json, string named)
    {
        var files = new Dictionary<string, byte[]> { [ImageProcessorConfig.FileName] = Encoding.UTF8.GetBytes(json) };

        var error = Assert.Throws<InvalidDataException>(() => ImageProcessor.FromFiles(files, s_defaults, "my-model"));

        Assert.Contains("my-model", error.Message, StringComparison.Ordinal);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessAtNativeSize_KeepsTheSize_AndAtTheOutputSizeEqualsProcess()
    {
        var processor = ImageProcessor.FromConfig(s_defaults with { Mean = new[] { 0.1, 0.2, 0.3 }, Std = new[] { 0.5, 0.25, 2.0 } });
        var random = new Random(3);
        byte[] Pixels(int width, int height) => Enumerable.Range(0, width * height * 3).Select(_ => (byte)random.Next(256)).ToArray();
        using var scope = NewDisposeScope();
        var small = new RgbImage(4, 4, Pixels(4, 4));

        Assert.Equal(0.0, (processor.ProcessAtNativeSize(new[] { small }) - processor.Process(new[] { small })).abs().max().item<float>(), 6);
        Assert.Equal(new long[] { 2, 3, 6, 10 }, processor.ProcessAtNativeSize(new[] { new RgbImage(10, 6, Pixels(10, 6)), new RgbImage(10, 6, Pixels(10, 6)) }).shape);
        var error = Assert.Throws<ArgumentException>(() => processor.ProcessAtNativeSize(new[] { small, new RgbImage(10, 6, Pixels(10, 6)) }));
        Assert.Contains("4 x 4 and 10 x 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessAtNativeSize_WithAMeanImage_SubtractsItsPerChannelMeanInTheOutputChannelOrder()
    {
        // A 2 x 2 mean image in BGR order: B averages 10, G 20, R 30.
        var meanImage = new float[] { 9, 11, 9, 11, 19, 21, 19, 21, 29, 31, 29, 31 };
        var processor = ImageProcessor.FromConfig(s_defaults with { ResizeHeight = 2, ResizeWidth = 2, Mean = null, Std = null, RescaleFactor = null, BgrOutput = true, MeanImage = meanImage });
        var pixels = new byte[3 * 3 * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(100 + i);
        }

        using var scope = NewDisposeScope();
        var values = processor.ProcessAtNativeSize(new[] { new RgbImage(3, 3, pixels) });

        Assert.Equal(new long[] { 1, 3, 3, 3 }, values.shape);
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 3; x++)
            {
                int rgb = ((y * 3) + x) * 3;
                Assert.Equal(pixels[rgb + 2] - 10f, values[0, 0, y, x].item<float>());
                Assert.Equal(pixels[rgb + 1] - 20f, values[0, 1, y, x].item<float>());
                Assert.Equal(pixels[rgb] - 30f, values[0, 2, y, x].item<float>());
            }
        }
    }
}
