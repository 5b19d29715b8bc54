// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.ResNet;

/// <summary>ML.NET's test images (banana, hotdog, tomato) from the shared fixtures, decoded to RGB.</summary>
internal static class ResNetFixtureImages
{
    internal const string Folder = "datasets/mlnet-test-images";

    internal static readonly string[] Names = { "banana.jpg", "hotdog.jpg", "tomato.jpg" };

    internal static RgbImage Read(string name)
    {
        using var image = MLImage.CreateFromFile(SharedFixtures.Path("datasets", "mlnet-test-images", name));
        return ImageColumn.ToRgb(image);
    }

    /// <summary>The central <paramref name="side"/> × <paramref name="side"/> pixels of <paramref name="image"/>.</summary>
    internal static RgbImage CenterSquare(RgbImage image, int side)
    {
        int top = (image.Height - side) / 2;
        int left = (image.Width - side) / 2;
        var pixels = new byte[side * side * 3];
        for (int y = 0; y < side; y++)
        {
            Array.Copy(image.Pixels, (((top + y) * image.Width) + left) * 3, pixels, y * side * 3, side * 3);
        }

        return new RgbImage(side, side, pixels);
    }

    /// <summary>Channels-first planes of the RGB bytes as 0–255 floats, as ML.NET's ExtractPixels hands them on.</summary>
    internal static float[] Planes(RgbImage image)
    {
        int area = image.Width * image.Height;
        var planes = new float[3 * area];
        for (int p = 0; p < area; p++)
        {
            for (int c = 0; c < 3; c++)
            {
                planes[(c * area) + p] = image.Pixels[(p * 3) + c];
            }
        }

        return planes;
    }
}
