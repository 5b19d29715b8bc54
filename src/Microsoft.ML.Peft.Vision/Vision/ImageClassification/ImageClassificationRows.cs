// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// The decoded images and class indices of labelled data, read once with a cursor. Images are kept as 8-bit RGB at their
/// own size and prepared batch by batch, so memory grows with the images' bytes, not with the backbone's input size.
/// </summary>
internal sealed class ImageClassificationRows
{
    private ImageClassificationRows(RgbImage[] images, int[] labels)
    {
        Images = images;
        Labels = labels;
    }

    internal RgbImage[] Images { get; }

    internal int[] Labels { get; }

    internal int Count => Images.Length;

    /// <summary>Reads <paramref name="data"/>; <paramref name="role"/> ("training", "validation") names it in errors.</summary>
    /// <exception cref="InvalidOperationException">The data has no rows, or a row's key label is missing (a Boolean label reads as class 0 or 1).</exception>
    /// <exception cref="InvalidDataException">A row's image is missing or cannot be decoded; the row is named.</exception>
    internal static ImageClassificationRows Read(IDataView data, string imageColumn, string labelColumn, string role)
    {
        var image = ImageColumn.Find(data.Schema, imageColumn);
        var label = data.Schema[labelColumn];
        var images = new List<RgbImage>();
        var labels = new List<int>();
        using (var cursor = data.GetRowCursor(new[] { image, label }))
        {
            var read = ImageColumn.CreateReader(cursor, image, role);
            var readLabel = ClassifierLabel.CreateReader(cursor, label, role);
            while (cursor.MoveNext())
            {
                // The label first, so a missing key is reported before the image is decoded.
                int index = readLabel();
                images.Add(read());
                labels.Add(index);
            }
        }

        if (images.Count == 0)
        {
            throw new InvalidOperationException($"The {role} data has no rows; a classifier needs labelled examples.");
        }

        return new ImageClassificationRows(images.ToArray(), labels.ToArray());
    }
}
