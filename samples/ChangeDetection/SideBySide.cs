// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace ChangeDetection;

/// <summary>
/// One PNG with a row per tile: before, after, the true change and the predicted change, side by side. ML.NET's MLImage
/// decodes and encodes the images, so the sample needs no other imaging library.
/// </summary>
internal static class SideBySide
{
    private const int Gap = 4;

    internal static void Write(string root, IReadOnlyList<LevirPair> pairs, IReadOnlyList<ScoredPair> scored, string path)
    {
        using var first = MLImage.CreateFromFile(Path.Combine(root, pairs[0].BeforePath));
        int side = first.Width;
        int width = (4 * side) + (3 * Gap), height = (pairs.Count * side) + ((pairs.Count - 1) * Gap);
        var canvas = new byte[width * height * 4];
        Array.Fill(canvas, (byte)255);
        for (int row = 0; row < pairs.Count; row++)
        {
            int top = row * (side + Gap);
            Paste(canvas, width, Bgra(Path.Combine(root, pairs[row].BeforePath)), side, 0, top);
            Paste(canvas, width, Bgra(Path.Combine(root, pairs[row].AfterPath)), side, side + Gap, top);
            Paste(canvas, width, Bgra(Path.Combine(root, pairs[row].MaskPath)), side, 2 * (side + Gap), top);
            Paste(canvas, width, MaskBgra(scored[row].PredictedMask), side, 3 * (side + Gap), top);
        }

        // Written beside the target and renamed, so an interrupted run leaves no half-written picture.
        string temporary = path + ".tmp.png";
        using (var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, canvas))
        {
            image.Save(temporary);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] Bgra(string file)
    {
        using var image = MLImage.CreateFromFile(file);
        var pixels = image.Pixels.ToArray();
        if (image.PixelFormat == MLPixelFormat.Bgra32)
        {
            return pixels;
        }

        // Rgba32: swap red and blue.
        for (int p = 0; p < pixels.Length; p += 4)
        {
            (pixels[p], pixels[p + 2]) = (pixels[p + 2], pixels[p]);
        }

        return pixels;
    }

    private static byte[] MaskBgra(bool[] mask)
    {
        var pixels = new byte[mask.Length * 4];
        for (int p = 0; p < mask.Length; p++)
        {
            byte value = mask[p] ? (byte)255 : (byte)0;
            (pixels[4 * p], pixels[(4 * p) + 1], pixels[(4 * p) + 2], pixels[(4 * p) + 3]) = (value, value, value, 255);
        }

        return pixels;
    }

    private static void Paste(byte[] canvas, int canvasWidth, byte[] tile, int side, int left, int top)
    {
        for (int y = 0; y < side; y++)
        {
            Array.Copy(tile, y * side * 4, canvas, (((top + y) * canvasWidth) + left) * 4, side * 4);
        }
    }
}
