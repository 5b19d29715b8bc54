// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>A decoded image as 8-bit RGB, row by row (height × width × 3), the input of an <see cref="ImageProcessor"/>.</summary>
internal sealed class RgbImage
{
    /// <param name="width">Pixels per row.</param>
    /// <param name="height">Rows.</param>
    /// <param name="pixels">R, G, B of each pixel, row by row; its length must be width × height × 3.</param>
    internal RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (pixels.Length != (long)width * height * 3)
        {
            throw new ArgumentException($"An RGB image of {width} × {height} has {(long)width * height * 3} bytes, not {pixels.Length}.", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    internal int Width { get; }

    internal int Height { get; }

    internal byte[] Pixels { get; }
}
