// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Vision;
using SkiaSharp;

namespace Microsoft.ML.Peft.Tests.Vision;

public sealed class ImageColumnTests
{
    [Fact]
    public void CreateReader_GrayscalePng_IsReadAsRgbWithEqualChannels()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Gray8));
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 3; x++)
            {
                byte level = (byte)((y * 3 + x) * 40);
                bitmap.SetPixel(x, y, new SKColor(level, level, level));
            }
        }

        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var image = Read(encoded.ToArray());

        Assert.Equal((3, 2), (image.Width, image.Height));
        for (int p = 0; p < 6; p++)
        {
            Assert.Equal(p * 40, image.Pixels[p * 3]);
            Assert.Equal(image.Pixels[p * 3], image.Pixels[(p * 3) + 1]);
            Assert.Equal(image.Pixels[p * 3], image.Pixels[(p * 3) + 2]);
        }
    }

    [Fact]
    public void CreateReader_ColourPng_KeepsRedGreenBlueInThatOrder()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(1, 1, SKColorType.Rgba8888));
        bitmap.SetPixel(0, 0, new SKColor(200, 100, 50));
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var image = Read(encoded.ToArray());

        Assert.Equal(new byte[] { 200, 100, 50 }, image.Pixels);
    }

    [Fact]
    public void Find_ColumnOfAnotherType_IsRefusedListingTheAcceptedTypes()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(new[] { new NumberRow { Image = 1f } });

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ImageColumn.Find(data.Schema, "Image"));

        Assert.Contains("'Image'", error.Message, StringComparison.Ordinal);
        Assert.Contains("LoadImages", error.Message, StringComparison.Ordinal);
    }

    private static Microsoft.ML.Peft.Vision.Backbones.Image.RgbImage Read(byte[] bytes)
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(new[] { new BytesRow { Image = bytes } });
        using var cursor = data.GetRowCursor(data.Schema);
        var read = ImageColumn.CreateReader(cursor, data.Schema["Image"], "test");
        Assert.True(cursor.MoveNext());
        return read();
    }

    private sealed class BytesRow
    {
        public byte[] Image { get; set; } = Array.Empty<byte>();
    }

    private sealed class NumberRow
    {
        public float Image { get; set; }
    }
}
