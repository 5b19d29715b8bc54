// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;

namespace Samples.Shared;

/// <summary>
/// Reads the MNIST subset in mnist/ (copied to data/ beside each sample that uses it) (the original IDX format, gzip-compressed) and writes each digit as a PNG file in a
/// folder per label, the layout Model Builder's image classification expects.
/// </summary>
internal static class MnistDigits
{
    private const int ImageMagic = 0x803;
    private const int LabelMagic = 0x801;

    /// <summary>Writes the <paramref name="split"/> ("train" or "test") as PNGs under <paramref name="folder"/>; returns one row a digit, its path relative to <paramref name="folder"/>.</summary>
    internal static List<DigitImage> WritePngs(string dataFolder, string split, string folder)
    {
        var (width, height, images) = ReadImages(Path.Combine(dataFolder, $"mnist-{split}-images.idx3-ubyte.gz"));
        byte[] labels = ReadLabels(Path.Combine(dataFolder, $"mnist-{split}-labels.idx1-ubyte.gz"));
        if (labels.Length != images.Count)
        {
            throw new InvalidDataException($"The {split} split has {images.Count} images but {labels.Length} labels.");
        }

        var rows = new List<DigitImage>(images.Count);
        var bgra = new byte[width * height * 4];
        for (int i = 0; i < images.Count; i++)
        {
            string label = labels[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            // Paths relative to the folder, as LoadImages takes them, so a saved pipeline names no temporary folder.
            string relative = Path.Combine(split, label, $"{i:D5}.png");
            string path = Path.Combine(folder, relative);
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                for (int p = 0; p < images[i].Length; p++)
                {
                    // MNIST stores ink as 255 on a black background; the PNG keeps that, grey in all three channels.
                    bgra[4 * p] = bgra[4 * p + 1] = bgra[4 * p + 2] = images[i][p];
                    bgra[4 * p + 3] = 255;
                }

                using var image = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
                image.Save(path);
            }

            rows.Add(new DigitImage { ImagePath = relative, Label = label });
        }

        return rows;
    }

    private static (int Width, int Height, List<byte[]> Images) ReadImages(string path)
    {
        using var reader = Open(path, ImageMagic);
        int count = ReadBigEndian(reader);
        int height = ReadBigEndian(reader);
        int width = ReadBigEndian(reader);
        var images = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            images.Add(ReadExactly(reader, width * height, path));
        }

        return (width, height, images);
    }

    private static byte[] ReadLabels(string path)
    {
        using var reader = Open(path, LabelMagic);
        int count = ReadBigEndian(reader);
        return ReadExactly(reader, count, path);
    }

    private static BinaryReader Open(string path, int magic)
    {
        var reader = new BinaryReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int found = ReadBigEndian(reader);
        if (found != magic)
        {
            reader.Dispose();
            throw new InvalidDataException($"{path} is not an IDX file of the expected kind (magic 0x{found:X}, expected 0x{magic:X}).");
        }

        return reader;
    }

    private static byte[] ReadExactly(BinaryReader reader, int count, string path)
    {
        byte[] bytes = reader.ReadBytes(count);
        return bytes.Length == count ? bytes : throw new InvalidDataException($"{path} ends early.");
    }

    private static int ReadBigEndian(BinaryReader reader) =>
        System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(reader.ReadBytes(4));
}
