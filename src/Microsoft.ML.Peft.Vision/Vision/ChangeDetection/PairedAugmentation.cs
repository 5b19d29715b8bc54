// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// Change detection's training augmentation: one random transform applied alike to the before image, the after image and
/// the change mask, so that a changed pixel stays changed at the same place in all three. The transform is one of the
/// eight symmetries of the square (a quarter turn 0–3 times, then an optional horizontal flip), as PeftCD's flips and
/// rotations, followed by an optional random crop at the same offset in all three.
/// </summary>
internal static class PairedAugmentation
{
    /// <summary>The augmented (before, after, mask).</summary>
    /// <param name="before">(channels, height, width).</param>
    /// <param name="after">(channels, height, width), the size of <paramref name="before"/>.</param>
    /// <param name="mask">(height, width), the images' size.</param>
    /// <param name="random">Draws the transform; seeded by the caller so a run can be repeated.</param>
    /// <param name="cropSize">The side of a square crop, or null to keep the whole image; at most the smaller side.</param>
    /// <param name="symmetries">Whether to draw one of the eight symmetries; false only crops.</param>
    /// <exception cref="ArgumentException">The images or the mask differ in size, or the crop does not fit; the message gives the sizes.</exception>
    internal static (Tensor Before, Tensor After, Tensor Mask) Apply(Tensor before, Tensor after, Tensor mask, Random random, int? cropSize = null, bool symmetries = true)
    {
        CheckSizes(before, after, mask, cropSize);
        int turns = symmetries ? random.Next(4) : 0;
        bool flip = symmetries && random.Next(2) == 1;
        long height = mask.shape[0], width = mask.shape[1];
        if (turns % 2 == 1)
        {
            (height, width) = (width, height);
        }

        int top = 0, left = 0;
        if (cropSize is int size)
        {
            top = random.Next((int)height - size + 1);
            left = random.Next((int)width - size + 1);
        }

        // The images' last two dimensions and the mask's two are (height, width) alike, so one function transforms all three.
        Tensor Transform(Tensor x)
        {
            long[] plane = { x.dim() - 2, x.dim() - 1 };
            var y = turns == 0 ? x : x.rot90(turns, (plane[0], plane[1]));
            if (flip)
            {
                y = y.flip(plane[1]);
            }

            return cropSize is int side ? y.narrow(plane[0], top, side).narrow(plane[1], left, side).contiguous() : y.contiguous();
        }

        return (Transform(before), Transform(after), Transform(mask));
    }

    private static void CheckSizes(Tensor before, Tensor after, Tensor mask, int? cropSize)
    {
        static string Size(Tensor x) => string.Join(" × ", x.shape);
        if (before.dim() != 3 || !before.shape.SequenceEqual(after.shape))
        {
            throw new ArgumentException($"The before image is {Size(before)} and the after image {Size(after)}; both must be the same channels × height × width.", nameof(after));
        }

        if (mask.dim() != 2 || mask.shape[0] != before.shape[1] || mask.shape[1] != before.shape[2])
        {
            throw new ArgumentException($"The change mask is {Size(mask)} but the images are {before.shape[1]} × {before.shape[2]}; the mask must have the images' height and width.", nameof(mask));
        }

        if (cropSize is int size && (size <= 0 || size > Math.Min(before.shape[1], before.shape[2])))
        {
            throw new ArgumentException($"A crop of {size} does not fit images of {before.shape[1]} × {before.shape[2]}; use 1 to the smaller side.", nameof(cropSize));
        }
    }
}
