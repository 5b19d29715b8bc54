// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.Onnx;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>What <see cref="VisionBackbones.ResNet18()"/> does: an ONNX ResNet imported as a pretrained model, with the package's preprocessing.</summary>
internal static class ResNetOnnxBackbone
{
    private const int ImageSide = 224;

    private static readonly Lazy<PretrainedModel> s_package = new(() => Import(ResNet18Package.ModelPath, ResNet18Package.SourceName));

    /// <summary>The package's model, imported once per process (its weights are immutable; every fit builds its own copy).</summary>
    internal static PretrainedModel Package => s_package.Value;

    /// <summary>Imports the ResNet in the ONNX file at <paramref name="path"/>, recorded as <paramref name="source"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a ResNet laid out as torchvision's; the message names the node.</exception>
    internal static PretrainedModel Import(string path, string source)
    {
        var graph = OnnxModelReader.Read(path).Graph;
        var import = ResNetOnnxImporter.Import(graph, source);
        try
        {
            var config = ResNetArchitecture.Config(import.Blocks);
            return PretrainedModel.FromMemory(ResNetArchitecture.Instance, config, import.StateDict, new Dictionary<string, byte[]>(StringComparer.Ordinal), source, Array.Empty<string>());
        }
        catch
        {
            foreach (var tensor in import.StateDict.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    /// <summary>The model a saved pipeline recorded as <paramref name="source"/>: the package's, or an ONNX file still there; else null.</summary>
    internal static PretrainedModel? Reopen(string source) =>
        source == ResNet18Package.SourceName ? Package
        : source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && File.Exists(source) ? Import(source, source)
        : null;

    /// <summary>
    /// The processing of ML.NET's DnnImageFeaturizer pipeline for this model: <c>ResizeImages(224, 224)</c> (its default,
    /// <c>IsoCrop</c>: scale the shorter side to 224, crop the center) and <c>ExtractPixels</c> (RGB planes, 0–255), then
    /// <c>ResNetPreprocess.onnx</c> (channels to BGR, minus the mean image). Resizing here is libtorch's antialiased
    /// bilinear, not ML.NET's image library, so resized pixels may differ slightly; from the 224 × 224 pixels on, the
    /// values are the preprocessing graph's.
    /// </summary>
    internal static ImageProcessorConfig PackageProcessorConfig()
    {
        string path = ResNet18Package.PreprocessPath;
        var preprocess = ResNetPreprocessGraph.Read(OnnxModelReader.Read(path).Graph, path);
        if (preprocess.Height != ImageSide || preprocess.Width != ImageSide)
        {
            throw new InvalidDataException($"'{path}' prepares {preprocess.Height} × {preprocess.Width} images; the ResNet reads {ImageSide} × {ImageSide}.");
        }

        return new ImageProcessorConfig(null, null, ImageSide, ImageProcessorConfig.Bilinear, ImageSide, ImageSide, null, null, null)
        {
            BgrOutput = preprocess.Bgr,
            MeanImage = preprocess.MeanImage,
        };
    }
}
