// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.Peft.Vision;

/// <summary>
/// An image column as vision estimators read it. Three column types are accepted: ML.NET's image type (<c>MLImage</c>,
/// from <c>mlContext.Transforms.LoadImages</c>), a vector of bytes holding an encoded image file (PNG, JPEG, BMP, …), and text
/// holding a file path. Every image is decoded to 8-bit RGB: grayscale and images with alpha are converted (alpha dropped),
/// because the backbones were trained on RGB.
/// </summary>
internal static class ImageColumn
{
    private const string Accepted = "an Image (mlContext.Transforms.LoadImages), a vector of Byte holding an encoded image file, or a String holding an image file path";

    /// <summary>The image column of <paramref name="schema"/>, checked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing or of another type; the message names it and the accepted types.</exception>
    internal static DataViewSchema.Column Find(DataViewSchema schema, string columnName)
    {
        var column = SchemaErrors.Find(schema, "Image", columnName);
        if (!IsImageType(column.Type))
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                $"Schema mismatch for image column '{columnName}': expected {Accepted}, got {column.Type}.");
        }

        return column;
    }

    /// <summary>The image column of an estimator's input shape, checked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is missing or of another type.</exception>
    internal static SchemaShape.Column Find(SchemaShape schema, string columnName)
    {
        var column = SchemaErrors.Find(schema, "Image", columnName);
        bool accepted = column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => column.ItemType is ImageDataViewType or TextDataViewType,
            _ => column.ItemType == NumberDataViewType.Byte,
        };
        if (!accepted)
        {
            throw new ArgumentOutOfRangeException(
                nameof(schema),
                $"Schema mismatch for image column '{columnName}': expected {Accepted}, got {(column.Kind == SchemaShape.Column.VectorKind.Scalar ? string.Empty : "vector of ")}{column.ItemType}.");
        }

        return column;
    }

    /// <summary>
    /// A function decoding the current row's image of <paramref name="column"/>; <paramref name="role"/> (e.g. "training")
    /// names the data in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">From the function: the value is missing, unreadable or not an image; the message names the row, column and file.</exception>
    internal static Func<RgbImage> CreateReader(DataViewRow row, DataViewSchema.Column column, string role)
    {
        switch (column.Type)
        {
            case ImageDataViewType:
            {
                var getter = row.GetGetter<MLImage>(column);
                return () =>
                {
                    MLImage image = null!;
                    getter(ref image);
                    if (image is null)
                    {
                        throw Missing(row, column, role, "has no image (the file given to LoadImages was empty or missing)");
                    }

                    return ToRgb(image);
                };
            }

            case TextDataViewType:
            {
                var getter = row.GetGetter<ReadOnlyMemory<char>>(column);
                return () =>
                {
                    ReadOnlyMemory<char> value = default;
                    getter(ref value);
                    string path = value.ToString();
                    if (string.IsNullOrWhiteSpace(path))
                    {
                        throw Missing(row, column, role, "has an empty path");
                    }

                    if (!File.Exists(path))
                    {
                        throw Missing(row, column, role, $"names '{path}', which does not exist");
                    }

                    return Decode(() => MLImage.CreateFromFile(path), row, column, role, $"'{path}'");
                };
            }

            default:
            {
                var getter = row.GetGetter<VBuffer<byte>>(column);
                return () =>
                {
                    VBuffer<byte> value = default;
                    getter(ref value);
                    if (value.Length == 0)
                    {
                        throw Missing(row, column, role, "has no bytes");
                    }

                    byte[] bytes = value.DenseValues().ToArray();
                    return Decode(() => MLImage.CreateFromStream(new MemoryStream(bytes, writable: false)), row, column, role, $"its {bytes.Length} bytes");
                };
            }
        }
    }

    /// <summary>The pixels of <paramref name="image"/> as RGB, whatever its channel order; a one-channel (grayscale) image is repeated into R, G and B.</summary>
    internal static RgbImage ToRgb(MLImage image)
    {
        var source = image.Pixels;
        int width = image.Width;
        int height = image.Height;
        int stride = source.Length / (width * height);
        if (stride is not (1 or 3 or 4))
        {
            throw new InvalidDataException($"An image of {width} × {height} with {image.BitsPerPixel} bits per pixel cannot be read as RGB.");
        }

        // MLImage holds 32-bit pixels in BGRA or RGBA order; which one it is decides the channel swap.
        bool bgr = image.PixelFormat == MLPixelFormat.Bgra32;
        var rgb = new byte[width * height * 3];
        for (int p = 0, s = 0; p < rgb.Length; p += 3, s += stride)
        {
            if (stride == 1)
            {
                rgb[p] = rgb[p + 1] = rgb[p + 2] = source[s];
                continue;
            }

            rgb[p] = source[bgr ? s + 2 : s];
            rgb[p + 1] = source[s + 1];
            rgb[p + 2] = source[bgr ? s : s + 2];
        }

        return new RgbImage(width, height, rgb);
    }

    private static bool IsImageType(DataViewType type) =>
        type is ImageDataViewType or TextDataViewType || type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Byte;

    private static RgbImage Decode(Func<MLImage> decode, DataViewRow row, DataViewSchema.Column column, string role, string what)
    {
        MLImage image;
        try
        {
            image = decode();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"Row {row.Position} of the {role} data: {what} in image column '{column.Name}' could not be decoded as an image ({ex.Message}).", ex);
        }

        using (image)
        {
            return ToRgb(image);
        }
    }

    private static InvalidDataException Missing(DataViewRow row, DataViewSchema.Column column, string role, string what) =>
        new($"Row {row.Position} of the {role} data {what} in image column '{column.Name}'. Remove such rows before training or prediction.");
}
