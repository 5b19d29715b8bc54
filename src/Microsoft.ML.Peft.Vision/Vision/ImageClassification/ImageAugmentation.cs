// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// The training augmentation of <see cref="ImageClassifierOptionsBase.Augment"/>: torchvision's random resized crop (area 50–100 %,
/// aspect ratio 3/4–4/3, resized back to the processor's output size) and a horizontal flip with probability 0.5, applied to
/// each prepared image.
/// </summary>
/// <remarks>
/// The crop and the flip are TorchSharp's TorchVision operations (<c>resized_crop</c>, <c>hflip</c>). Their random parameters
/// are drawn here, from TorchSharp's generator that the run seeds, because TorchVision 0.107's <c>RandomResizedCrop</c> and
/// <c>RandomHorizontalFlip</c> draw from an unseeded <see cref="Random"/> (so a seeded fit would not repeat itself) and its crop
/// ignores the aspect-ratio range.
/// </remarks>
internal sealed class ImageAugmentation
{
    private const double MinArea = 0.5;
    private const double MaxArea = 1.0;
    private const int Attempts = 10;
    private static readonly double s_logMinRatio = Math.Log(3.0 / 4.0);
    private static readonly double s_logMaxRatio = Math.Log(4.0 / 3.0);

    private readonly int _height;
    private readonly int _width;

    internal ImageAugmentation(int height, int width)
    {
        _height = height;
        _width = width;
    }

    /// <summary>Each image of <paramref name="pixelValues"/> <c>[N, 3, H, W]</c> augmented on its own draw.</summary>
    internal Tensor Apply(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var images = new Tensor[pixelValues.shape[0]];
        for (int i = 0; i < images.Length; i++)
        {
            var (top, left, height, width) = DrawCrop(pixelValues.shape[2], pixelValues.shape[3]);
            var whole = pixelValues[i].unsqueeze(0);

            // TorchSharp 0.107's resized_crop disposes the tensor it returns when the crop is the whole image at the output
            // size (its resize hands back its input, which the crop's using then frees); that crop needs no resampling anyway.
            bool unchanged = top == 0 && left == 0 && height == pixelValues.shape[2] && width == pixelValues.shape[3] && height == _height && width == _width;
            var image = unchanged ? whole : torchvision.transforms.functional.resized_crop(whole, top, left, height, width, _height, _width);
            images[i] = Draw() < 0.5 ? torchvision.transforms.functional.hflip(image) : image;
        }

        return cat(images, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A crop of random area and aspect ratio that fits the image, as torchvision's <c>RandomResizedCrop.get_params</c> draws
    /// it: up to ten tries, then the whole image's central crop within the ratio range.
    /// </summary>
    private (int Top, int Left, int Height, int Width) DrawCrop(long imageHeight, long imageWidth)
    {
        double area = imageHeight * imageWidth;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double targetArea = area * (MinArea + (Draw() * (MaxArea - MinArea)));
            double ratio = Math.Exp(s_logMinRatio + (Draw() * (s_logMaxRatio - s_logMinRatio)));
            int width = (int)Math.Round(Math.Sqrt(targetArea * ratio));
            int height = (int)Math.Round(Math.Sqrt(targetArea / ratio));
            if (width > 0 && width <= imageWidth && height > 0 && height <= imageHeight)
            {
                int top = (int)Math.Floor(Draw() * (imageHeight - height + 1));
                int left = (int)Math.Floor(Draw() * (imageWidth - width + 1));
                return (Math.Min(top, (int)imageHeight - height), Math.Min(left, (int)imageWidth - width), height, width);
            }
        }

        double inRatio = (double)imageWidth / imageHeight;
        (int h, int w) = inRatio < Math.Exp(s_logMinRatio) ? ((int)Math.Round(imageWidth / Math.Exp(s_logMinRatio)), (int)imageWidth)
            : inRatio > Math.Exp(s_logMaxRatio) ? ((int)imageHeight, (int)Math.Round(imageHeight * Math.Exp(s_logMaxRatio)))
            : ((int)imageHeight, (int)imageWidth);
        return (((int)imageHeight - h) / 2, ((int)imageWidth - w) / 2, h, w);
    }

    private static double Draw() => rand(1, dtype: ScalarType.Float64).item<double>();
}
