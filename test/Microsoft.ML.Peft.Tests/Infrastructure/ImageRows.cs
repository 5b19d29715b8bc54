// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>One labelled image as encoded PNG bytes, the row type of image estimator tests.</summary>
internal sealed class ImageRow
{
    public byte[] Image { get; set; } = Array.Empty<byte>();

    public string Label { get; set; } = string.Empty;
}

/// <summary>An image with a Boolean label (red is true), for the binary image tasks.</summary>
internal sealed class BooleanImageRow
{
    public byte[] Image { get; set; } = Array.Empty<byte>();

    public bool Label { get; set; }
}

/// <summary>
/// A learnable image problem: "red" images are reddish noise, "blue" images bluish noise, of random sizes around 20 pixels,
/// encoded as PNG so rows exercise decoding and resizing.
/// </summary>
internal static class ImageRows
{
    internal static IEnumerable<ImageRow> Create(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            bool red = i % 2 == 0;
            yield return new ImageRow { Image = Png(random, red, 16 + random.Next(8), 16 + random.Next(8)), Label = red ? "red" : "blue" };
        }
    }

    /// <summary>An encoded image decoded as the estimators decode it.</summary>
    internal static Microsoft.ML.Peft.Vision.Backbones.Image.RgbImage Rgb(byte[] encoded)
    {
        using var image = Microsoft.ML.Data.MLImage.CreateFromStream(new MemoryStream(encoded, writable: false));
        return Microsoft.ML.Peft.Vision.ImageColumn.ToRgb(image);
    }

    /// <summary>The rows of <see cref="Create"/> with a Boolean label, true for red.</summary>
    internal static IEnumerable<BooleanImageRow> CreateBoolean(int count, int seed) =>
        Create(count, seed).Select(r => new BooleanImageRow { Image = r.Image, Label = r.Label == "red" });

    /// <summary>A PNG of <paramref name="width"/> × <paramref name="height"/> noise leaning to red or blue.</summary>
    internal static byte[] Png(Random random, bool red, int width, int height)
    {
        var pixels = new byte[width * height * 4];
        for (int p = 0; p < pixels.Length; p += 4)
        {
            byte strong = (byte)(150 + random.Next(100));
            byte weak = (byte)random.Next(100);
            // BGRA order.
            pixels[p] = red ? weak : strong;
            pixels[p + 1] = (byte)random.Next(120);
            pixels[p + 2] = red ? strong : weak;
            pixels[p + 3] = 255;
        }

        return Encode(pixels, width, height);
    }

    /// <summary>BGRA pixels of <paramref name="width"/> × <paramref name="height"/> encoded as a PNG file's bytes.</summary>
    internal static byte[] Encode(byte[] bgra, int width, int height)
    {
        string path = Path.Combine(Path.GetTempPath(), "peft-image-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            using (var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra))
            {
                image.Save(path);
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
