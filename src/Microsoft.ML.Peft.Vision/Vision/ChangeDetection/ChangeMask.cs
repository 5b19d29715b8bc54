// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// A change mask: one value per pixel, 1 where the scene changed between the two dates and 0 elsewhere, row-major. Read from
/// a label image such as LEVIR-CD's, whose changed pixels are white (255) on black: a pixel is change when its brightest
/// channel is above the middle (127), so grey-level, RGB and anti-aliased masks read alike.
/// </summary>
internal sealed class ChangeMask
{
    private const byte Threshold = 127;

    internal ChangeMask(int width, int height, byte[] values)
    {
        if (values.Length != width * height)
        {
            throw new ArgumentException($"A {width} x {height} mask has {width * height} values, not {values.Length}.", nameof(values));
        }

        Width = width;
        Height = height;
        Values = values;
    }

    internal int Width { get; }

    internal int Height { get; }

    /// <summary>0 or 1 per pixel, row-major.</summary>
    internal byte[] Values { get; }

    /// <summary>The values as Booleans, true for change, as predicted masks hold them.</summary>
    internal bool[] ToBooleans() => Array.ConvertAll(Values, v => v == 1);

    /// <summary>The mask of a label image.</summary>
    internal static ChangeMask FromImage(RgbImage image)
    {
        var values = new byte[image.Width * image.Height];
        var pixels = image.Pixels;
        for (int p = 0; p < values.Length; p++)
        {
            byte brightest = Math.Max(pixels[3 * p], Math.Max(pixels[(3 * p) + 1], pixels[(3 * p) + 2]));
            values[p] = brightest > Threshold ? (byte)1 : (byte)0;
        }

        return new ChangeMask(image.Width, image.Height, values);
    }
}
