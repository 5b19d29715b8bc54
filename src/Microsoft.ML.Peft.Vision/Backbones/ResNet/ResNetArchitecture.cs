// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// torchvision's ResNets of basic blocks as a backbone (<c>model_type</c> <c>torchvision-resnet</c>, a name of this library:
/// Hugging Face's <c>resnet</c> lays the same networks out under other keys). The configuration is <c>block</c>
/// (<c>basic</c>) and <c>layers</c> (blocks per layer: [2, 2, 2, 2] for <c>resnet18</c>). Its weights come from ML.NET's
/// ImageNet ResNet-18 (<see cref="ResNetOnnxBackbone"/>) or from a folder whose <c>model.safetensors</c> holds a torchvision
/// state_dict.
/// </summary>
internal sealed class ResNetArchitecture : VisionArchitecture
{
    internal const string Type = "torchvision-resnet";

    internal static readonly ResNetArchitecture Instance = new();

    private readonly Lazy<ImageProcessorConfig> _processor = new(ResNetOnnxBackbone.PackageProcessorConfig);

    private ResNetArchitecture()
    {
    }

    internal override string ModelType => Type;

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = Array.Empty<string>();

    /// <summary>The package's preprocessing (<see cref="ResNetOnnxBackbone.PackageProcessorConfig"/>), read once.</summary>
    internal override ImageProcessorConfig DefaultProcessorConfig => _processor.Value;

    /// <summary>
    /// Every block's <c>conv1</c> and <c>conv2</c>, and the stem's <c>conv1</c>: what <c>target_modules=["conv1", "conv2"]</c>
    /// selects on torchvision's ResNets in PEFT, so the adapter moves the features themselves (ImageNet features alone are a
    /// weak fit for other domains, such as digits) while the downsampling projections and BatchNorm layers stay frozen.
    /// </summary>
    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "conv1", "conv2" };

    /// <summary>The new head <c>fc</c>, trained and saved whole as torchvision fine-tuning does.</summary>
    internal override IReadOnlyList<string> ImageClassifierHeadModules { get; } = new[] { ResNetImageClassifier.HeadModuleName };

    internal override string ImageClassifierClassName => "torchvision.models.ResNet";

    /// <summary>The configuration of a model with <paramref name="blocks"/> basic blocks per layer.</summary>
    internal static JsonObject Config(IReadOnlyList<int> blocks) => new()
    {
        ["model_type"] = Type,
        ["block"] = "basic",
        ["layers"] = new JsonArray(blocks.Select(b => (JsonNode)b).ToArray()),
    };

    internal override EncoderShape ReadShape(JsonObject config, string source) =>
        new(ResNetModel.Features, ReadBlocks(config, source).Sum(), MaxSequenceLength: 1);

    internal override ImageEncoder CreateEncoder(JsonObject config, string source) => new ResNetModel(ReadBlocks(config, source));

    /// <summary>Every convolution: the stem's, both of each block's, and the shortcut's (<c>downsample.0</c>).</summary>
    internal override IReadOnlyList<string> WeightMatrixModules { get; } = new[] { "conv1", "conv2", "downsample.0" };

    /// <summary>Every BatchNorm: the stem's, both of each block's, and the shortcut's (<c>downsample.1</c>).</summary>
    internal override IReadOnlyList<string> NormalizationModules { get; } = new[] { "bn1", "bn2", "downsample.1" };

    /// <summary>The outputs of layer1 to layer4, at strides 4 to 32.</summary>
    internal override bool HasFeatureMaps => true;

    internal override ImageClassifierModel CreateImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features) =>
        new ResNetImageClassifier(encoder, classCount, headInput);

    /// <summary>The package's model, or an ONNX file that still exists, as recorded in a saved pipeline's <c>source</c>.</summary>
    internal override PretrainedModel? Reopen(string source) => ResNetOnnxBackbone.Reopen(source);

    private static int[] ReadBlocks(JsonObject config, string source)
    {
        try
        {
            string block = JsonValues.OptionalString(config["block"], "block") ?? "basic";
            if (block != "basic")
            {
                throw new FormatException($"`block` is \"{block}\"; only \"basic\" (torchvision's BasicBlock: resnet18, resnet34) is supported");
            }

            var layers = (config["layers"] as JsonArray)?.Select((n, i) => JsonValues.Int(n, $"layers[{i}]")).ToArray();
            return layers is { Length: 4 } && layers.All(b => b >= 1)
                ? layers
                : throw new FormatException("`layers` must list the basic blocks of the four layers, each at least 1, e.g. [2, 2, 2, 2] for resnet18");
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{source}: {ex.Message}.", ex);
        }
    }
}
