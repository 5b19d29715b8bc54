// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
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
    /// <exception cref="InvalidOperationException">The data has no rows, or a row's label is missing.</exception>
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
            var getLabel = cursor.GetGetter<uint>(label);
            uint key = 0;
            while (cursor.MoveNext())
            {
                getLabel(ref key);
                if (key == 0)
                {
                    throw new InvalidOperationException(
                        $"Row {cursor.Position} of the {role} data has a missing value in label column '{labelColumn}' (key 0): its label was not in the key dictionary or was empty. "
                        + "Remove such rows (e.g. mlContext.Data.FilterRowsByMissingValues) or build the key dictionary from data that contains every label.");
                }

                images.Add(read());
                labels.Add((int)key - 1);
            }
        }

        if (images.Count == 0)
        {
            throw new InvalidOperationException($"The {role} data has no rows; a classifier needs labelled examples.");
        }

        return new ImageClassificationRows(images.ToArray(), labels.ToArray());
    }
}
