// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// The image pairs of change-detection data, with their change masks when the data has a mask column, read once with a
/// cursor. Both images of a row, and its mask, must have one size, since the masks are predicted and scored pixel by pixel;
/// rows may differ in size from each other.
/// </summary>
internal sealed class ChangeDetectionRows
{
    private ChangeDetectionRows(RgbImage[] before, RgbImage[] after, ChangeMask[]? masks)
    {
        Before = before;
        After = after;
        Masks = masks;
    }

    internal RgbImage[] Before { get; }

    internal RgbImage[] After { get; }

    /// <summary>The change masks, null when read without a mask column.</summary>
    internal ChangeMask[]? Masks { get; }

    internal int Count => Before.Length;

    /// <summary>Reads <paramref name="data"/>; <paramref name="role"/> ("training", "validation") names it in errors.</summary>
    /// <param name="data">The data.</param>
    /// <param name="beforeColumn">The image column of the earlier date.</param>
    /// <param name="afterColumn">The image column of the later date.</param>
    /// <param name="maskColumn">The change-mask image column, or null to read the pairs alone (scoring).</param>
    /// <param name="role">The data's role in messages.</param>
    /// <exception cref="InvalidOperationException">The data has no rows.</exception>
    /// <exception cref="InvalidDataException">An image is missing or unreadable, or a row's images or mask differ in size; the row, the columns and both sizes are named.</exception>
    internal static ChangeDetectionRows Read(IDataView data, string beforeColumn, string afterColumn, string? maskColumn, string role)
    {
        var before = ImageColumn.Find(data.Schema, beforeColumn);
        var after = ImageColumn.Find(data.Schema, afterColumn);
        var mask = maskColumn is null ? (DataViewSchema.Column?)null : ImageColumn.Find(data.Schema, maskColumn);
        var columns = mask is { } m ? new[] { before, after, m } : new[] { before, after };
        var befores = new List<RgbImage>();
        var afters = new List<RgbImage>();
        var masks = mask is null ? null : new List<ChangeMask>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var readBefore = ImageColumn.CreateReader(cursor, before, role);
            var readAfter = ImageColumn.CreateReader(cursor, after, role);
            var readMask = mask is { } column ? ImageColumn.CreateReader(cursor, column, role) : null;
            while (cursor.MoveNext())
            {
                var first = readBefore();
                var second = readAfter();
                if (first.Width != second.Width || first.Height != second.Height)
                {
                    throw new InvalidDataException(
                        $"Row {cursor.Position} of the {role} data: the image before ('{beforeColumn}') is {first.Width} x {first.Height} but the image after ('{afterColumn}') "
                        + $"is {second.Width} x {second.Height}. The two dates must cover the same pixels: crop or resize both alike.");
                }

                if (readMask is not null)
                {
                    var label = readMask();
                    if (label.Width != first.Width || label.Height != first.Height)
                    {
                        throw new InvalidDataException(
                            $"Row {cursor.Position} of the {role} data: the change mask ('{maskColumn}') is {label.Width} x {label.Height} but the images are {first.Width} x {first.Height}; "
                            + "a mask has one value per image pixel.");
                    }

                    masks!.Add(ChangeMask.FromImage(label));
                }

                befores.Add(first);
                afters.Add(second);
            }
        }

        if (befores.Count == 0)
        {
            throw new InvalidOperationException($"The {role} data has no rows; change detection needs image pairs.");
        }

        return new ChangeDetectionRows(befores.ToArray(), afters.ToArray(), masks?.ToArray());
    }
}
