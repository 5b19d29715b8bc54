// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// The fields of a Hugging Face <c>preprocessor_config.json</c> that decide how an image becomes pixel values, in the order
/// Hugging Face's image processors apply them: convert to RGB, resize (to a fixed size, or the shortest edge to a length),
/// center crop, rescale (usually by 1/255), normalise per channel.
/// </summary>
/// <param name="ResizeHeight">The height to resize to; null with <paramref name="ShortestEdge"/> or when not resizing.</param>
/// <param name="ResizeWidth">The width to resize to.</param>
/// <param name="ShortestEdge">Resize keeping the aspect ratio so that the shorter side has this length (CLIP).</param>
/// <param name="Resample">PIL's resampling filter number: 2 bilinear, 3 bicubic.</param>
/// <param name="CropHeight">The center crop's height; null when not cropping.</param>
/// <param name="CropWidth">The center crop's width.</param>
/// <param name="RescaleFactor">The factor the 0–255 values are multiplied by; null when not rescaling.</param>
/// <param name="Mean">The per-channel mean subtracted (RGB order); null when not normalising.</param>
/// <param name="Std">The per-channel standard deviation divided by.</param>
internal sealed record ImageProcessorConfig(
    int? ResizeHeight,
    int? ResizeWidth,
    int? ShortestEdge,
    int Resample,
    int? CropHeight,
    int? CropWidth,
    double? RescaleFactor,
    IReadOnlyList<double>? Mean,
    IReadOnlyList<double>? Std)
{
    /// <summary>The file name in a Hugging Face model folder.</summary>
    internal const string FileName = "preprocessor_config.json";

    /// <summary>PIL's bilinear filter, ViT's default.</summary>
    internal const int Bilinear = 2;

    /// <summary>PIL's bicubic filter, CLIP's default.</summary>
    internal const int Bicubic = 3;

    /// <summary>
    /// Whether the channels are handed on as B, G, R instead of R, G, B: models trained with OpenCV-style or Caffe/CNTK
    /// pipelines (ML.NET's ResNet-18) read BGR. <see cref="Mean"/> and <see cref="Std"/> stay in RGB order.
    /// </summary>
    internal bool BgrOutput { get; init; }

    /// <summary>
    /// A mean image <c>[3, height, width]</c> (in output channel order, row-major) subtracted pixel by pixel after the
    /// channel order and before rescaling and normalisation, as CNTK's ImageNet models were trained; null for none. No
    /// <c>preprocessor_config.json</c> field sets it: a backbone imported with its own preprocessing graph does.
    /// </summary>
    internal float[]? MeanImage { get; init; }

    /// <summary>The side of the square the processor outputs, when it outputs one (fixed resize or crop).</summary>
    internal (int Height, int Width)? OutputSize =>
        CropHeight is int ch && CropWidth is int cw ? (ch, cw)
        : ResizeHeight is int rh && ResizeWidth is int rw ? (rh, rw)
        : null;

    /// <summary>
    /// Reads a <c>preprocessor_config.json</c>; fields it omits take the values of <paramref name="defaults"/>, except the
    /// channel order and the mean image, which no such file sets (RGB, none).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not JSON, a field is malformed, or the result is not a fixed-size image; <paramref name="source"/> is named.</exception>
    internal static ImageProcessorConfig Read(byte[] json, ImageProcessorConfig defaults, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: {FileName} must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: {FileName} is not valid JSON: {ex.Message}", ex);
        }

        try
        {
            // The file is a Hugging Face image processor, which always hands on RGB without a mean image, so the defaults'
            // toolkit-specific steps (a CNTK backbone's BGR and mean image) do not carry over to it.
            var config = defaults with { BgrOutput = false, MeanImage = null };
            if (root["do_resize"] is { } doResize && !JsonValues.Bool(doResize, "do_resize"))
            {
                config = config with { ResizeHeight = null, ResizeWidth = null, ShortestEdge = null };
            }
            else if (root["size"] is JsonObject size)
            {
                config = size["shortest_edge"] is { } edge
                    ? config with { ShortestEdge = Positive(edge, "size.shortest_edge"), ResizeHeight = null, ResizeWidth = null }
                    : config with { ResizeHeight = Positive(size["height"], "size.height"), ResizeWidth = Positive(size["width"], "size.width"), ShortestEdge = null };
            }
            else if (root["size"] is { } side)
            {
                // Older processors wrote a single number for a square.
                int length = Positive(side, "size");
                config = config with { ResizeHeight = length, ResizeWidth = length, ShortestEdge = null };
            }

            if (root["resample"] is { } resample)
            {
                config = config with { Resample = JsonValues.Int(resample, "resample") };
            }

            if (root["do_center_crop"] is { } doCrop && !JsonValues.Bool(doCrop, "do_center_crop"))
            {
                config = config with { CropHeight = null, CropWidth = null };
            }
            else if (root["crop_size"] is JsonObject crop)
            {
                config = config with { CropHeight = Positive(crop["height"], "crop_size.height"), CropWidth = Positive(crop["width"], "crop_size.width") };
            }
            else if (root["crop_size"] is { } cropSide)
            {
                int length = Positive(cropSide, "crop_size");
                config = config with { CropHeight = length, CropWidth = length };
            }

            if (root["do_rescale"] is { } doRescale && !JsonValues.Bool(doRescale, "do_rescale"))
            {
                config = config with { RescaleFactor = null };
            }
            else if (root["rescale_factor"] is { } factor)
            {
                config = config with { RescaleFactor = JsonValues.Number(factor, "rescale_factor") };
            }

            if (root["do_normalize"] is { } doNormalize && !JsonValues.Bool(doNormalize, "do_normalize"))
            {
                config = config with { Mean = null, Std = null };
            }
            else
            {
                config = config with
                {
                    Mean = root["image_mean"] is { } mean ? Channels(mean, "image_mean") : config.Mean,
                    Std = root["image_std"] is { } std ? Channels(std, "image_std") : config.Std,
                };
            }

            config.Validate();
            return config;
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{source}: {FileName}: {ex.Message}", ex);
        }
    }

    /// <summary>Checks that the configuration gives a fixed-size RGB tensor with a filter this library implements.</summary>
    /// <exception cref="FormatException">It does not; the message names the field.</exception>
    internal void Validate()
    {
        if (OutputSize is null)
        {
            throw new FormatException("the processor must give images of one size: set `size` to {\"height\", \"width\"}, or `crop_size` after `shortest_edge`.");
        }

        if (Resample is not (Bilinear or Bicubic))
        {
            throw new FormatException($"`resample` {Resample} is not supported; use 2 (bilinear) or 3 (bicubic).");
        }

        if ((Mean is null) != (Std is null) || Std?.Any(s => s <= 0) == true)
        {
            throw new FormatException("`image_mean` and `image_std` must both be given, with positive standard deviations.");
        }

        if (MeanImage is { } meanImage && OutputSize is var (height, width) && meanImage.Length != 3L * height * width)
        {
            throw new FormatException($"the mean image holds {meanImage.Length} values but the processor outputs 3 × {height} × {width}; it must be of the output size.");
        }
    }

    private static int Positive(JsonNode? node, string field)
    {
        int value = JsonValues.Int(node, field);
        return value > 0 ? value : throw new FormatException($"`{field}` must be positive, got {value}.");
    }

    private static IReadOnlyList<double> Channels(JsonNode node, string field)
    {
        // One number applies to every channel, as Hugging Face accepts.
        if (node is JsonValue)
        {
            double value = JsonValues.Number(node, field);
            return new[] { value, value, value };
        }

        var values = (node as JsonArray)?.Select((v, i) => JsonValues.Number(v, $"{field}[{i}]")).ToArray();
        return values is { Length: 3 } ? values : throw new FormatException($"`{field}` must list 3 numbers (R, G, B).");
    }
}
