// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// Turns decoded images into a backbone's pixel values as its Hugging Face image processor does: resize (antialiased
/// bilinear or bicubic, rounded back to 8 bits as PIL does), center crop, rescale and normalise per channel, channels first.
/// Backbones from other toolkits may also reorder the channels to BGR and subtract a per-pixel mean image
/// (<see cref="ImageProcessorConfig.BgrOutput"/>, <see cref="ImageProcessorConfig.MeanImage"/>).
/// </summary>
/// <remarks>
/// Resizing goes through libtorch's antialiased interpolation, which follows PIL's filters closely but not bit for bit, so a
/// pixel may differ from Python's by one level after rounding. Models load and tests compare on given pixel values.
/// </remarks>
internal sealed class ImageProcessor : IBackbonePreprocessor
{
    private readonly float[] _scale;
    private readonly float[] _shift;

    private ImageProcessor(ImageProcessorConfig config, IReadOnlyDictionary<string, byte[]> files)
    {
        Config = config;
        Files = files;
        (OutputHeight, OutputWidth) = config.OutputSize!.Value;

        // value = (pixel * rescale - mean) / std, folded into one multiply-add per channel.
        double rescale = config.RescaleFactor ?? 1.0;
        _scale = Enumerable.Range(0, 3).Select(c => (float)(rescale / (config.Std?[c] ?? 1.0))).ToArray();
        _shift = Enumerable.Range(0, 3).Select(c => (float)(-(config.Mean?[c] ?? 0.0) / (config.Std?[c] ?? 1.0))).ToArray();
    }

    /// <summary>The processing applied.</summary>
    internal ImageProcessorConfig Config { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>The height of the pixel values.</summary>
    internal int OutputHeight { get; }

    /// <summary>The width of the pixel values.</summary>
    internal int OutputWidth { get; }

    /// <summary>The processor of a model folder: its <c>preprocessor_config.json</c> over <paramref name="defaults"/>, or the defaults alone when the folder has none.</summary>
    /// <exception cref="InvalidDataException">The file is malformed; <paramref name="source"/> is named.</exception>
    internal static ImageProcessor FromFiles(IReadOnlyDictionary<string, byte[]> files, ImageProcessorConfig defaults, string source)
    {
        if (files.TryGetValue(ImageProcessorConfig.FileName, out var json))
        {
            return new ImageProcessor(ImageProcessorConfig.Read(json, defaults, source), files);
        }

        defaults.Validate();
        return new ImageProcessor(defaults, files);
    }

    /// <summary>A processor of <paramref name="config"/> with no files, for backbones whose processing is fixed (ONNX imports).</summary>
    internal static ImageProcessor FromConfig(ImageProcessorConfig config)
    {
        config.Validate();
        return new ImageProcessor(config, new Dictionary<string, byte[]>(StringComparer.Ordinal));
    }

    /// <summary>The pixel values of <paramref name="images"/>, <c>[N, 3, OutputHeight, OutputWidth]</c> float32 on the CPU.</summary>
    /// <remarks>
    /// Each image is resized and cropped alone (sizes differ); the channel order, mean image and normalisation then run once
    /// over the batch. The scalar arguments are held in static fields: TorchSharp 0.107 lets the garbage collector finalize a
    /// temporary <see cref="Scalar"/> while the native call that reads it still runs, and a batch of images makes both many
    /// such calls and the garbage that triggers collections, so long-lived scalars keep that race out of the hot path.
    /// </remarks>
    internal Tensor Process(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        if (images.Count == 0)
        {
            return zeros(0, 3, OutputHeight, OutputWidth).MoveToOuterDisposeScope();
        }

        var pixels = cat(images.Select(ResizeAndCrop).ToArray(), 0);
        return Normalize(pixels, meanImage => tensor(meanImage, new long[] { 1, 3, OutputHeight, OutputWidth })).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The pixel values of same-size <paramref name="images"/> at their own size, <c>[N, 3, H, W]</c> float32 on the CPU: the
    /// processor's channel order, rescaling and normalisation without its resize and crop, for dense tasks whose output
    /// must line up with the input's pixels (change masks). A mean image, which has the processor's output size, is
    /// subtracted as its per-channel mean (decided: the mean image of ML.NET's ResNet-18 is a smooth ImageNet average).
    /// </summary>
    /// <exception cref="ArgumentException">The images differ in size; both sizes are named.</exception>
    internal Tensor ProcessAtNativeSize(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            throw new ArgumentException("There are no images to process.", nameof(images));
        }

        var other = images.FirstOrDefault(i => i.Width != images[0].Width || i.Height != images[0].Height);
        if (other is not null)
        {
            throw new ArgumentException($"Images processed at their own size must share it, but {images[0].Width} x {images[0].Height} and {other.Width} x {other.Height} were given together.", nameof(images));
        }

        using var scope = NewDisposeScope();
        var pixels = cat(images.Select(Channels).ToArray(), 0);
        return Normalize(pixels, meanImage => tensor(meanImage, new long[] { 1, 3, OutputHeight * OutputWidth }).mean(new long[] { 2 }, keepdim: true).unsqueeze(3)).MoveToOuterDisposeScope();
    }

    // [H, W, 3] bytes -> [1, 3, H, W] floats in 0..255.
    private static Tensor Channels(RgbImage image) =>
        tensor(image.Pixels, new long[] { image.Height, image.Width, 3 }).permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32);

    // [H, W, 3] bytes -> [1, 3, OutputHeight, OutputWidth] floats in 0..255.
    private Tensor ResizeAndCrop(RgbImage image) => CenterCrop(Resize(Channels(image)));

    // The channel order, the mean image (shaped for these pixels by meanImageOf), then rescaling and normalisation per channel.
    private Tensor Normalize(Tensor pixels, Func<float[], Tensor> meanImageOf)
    {
        if (Config.BgrOutput)
        {
            pixels = pixels.flip(1);
        }

        if (Config.MeanImage is { } meanImage)
        {
            pixels = pixels.sub(meanImageOf(meanImage));
        }

        var scale = tensor(_scale).view(1, 3, 1, 1);
        var shift = tensor(_shift).view(1, 3, 1, 1);
        if (Config.BgrOutput)
        {
            scale = scale.flip(1);
            shift = shift.flip(1);
        }

        return pixels.mul(scale).add(shift, ProcessorScalars.One);
    }

    private Tensor Resize(Tensor pixels)
    {
        var config = Config;
        long height = pixels.shape[2];
        long width = pixels.shape[3];
        (long targetHeight, long targetWidth) = config switch
        {
            { ShortestEdge: int edge } => height <= width
                ? (edge, (long)(edge * (double)width / height))
                : ((long)(edge * (double)height / width), edge),
            { ResizeHeight: int h, ResizeWidth: int w } => (h, w),
            _ => (height, width),
        };
        if (targetHeight == height && targetWidth == width)
        {
            return pixels;
        }

        var mode = config.Resample == ImageProcessorConfig.Bicubic ? InterpolationMode.Bicubic : InterpolationMode.Bilinear;
        var resized = nn.functional.interpolate(pixels, new[] { targetHeight, targetWidth }, mode: mode, align_corners: false, antialias: true);

        // PIL resizes 8-bit images and returns 8-bit values; round and clamp as it does.
        return resized.round().clamp(ProcessorScalars.Zero, ProcessorScalars.MaxByte);
    }

    private Tensor CenterCrop(Tensor pixels)
    {
        if (Config.CropHeight is not int cropHeight || Config.CropWidth is not int cropWidth)
        {
            return pixels;
        }

        long height = pixels.shape[2];
        long width = pixels.shape[3];
        if (height < cropHeight || width < cropWidth)
        {
            // Hugging Face pads a too-small image with zeros around the center before cropping.
            long padTop = Math.Max(0, (cropHeight - height) / 2);
            long padLeft = Math.Max(0, (cropWidth - width) / 2);
            long padBottom = Math.Max(0, cropHeight - height - padTop);
            long padRight = Math.Max(0, cropWidth - width - padLeft);
            pixels = nn.functional.pad(pixels, new[] { padLeft, padRight, padTop, padBottom });
            height = pixels.shape[2];
            width = pixels.shape[3];
        }

        long top = (height - cropHeight) / 2;
        long left = (width - cropWidth) / 2;
        return pixels[.., .., TensorIndex.Slice(top, top + cropHeight), TensorIndex.Slice(left, left + cropWidth)];
    }
}
