// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>
/// Hugging Face's ViT (<c>model_type</c> <c>vit</c>: google/vit-base-patch16-224 and its fine-tunes): a <see cref="ViTEncoder"/>
/// under <c>vit.</c> in <c>ViTForImageClassification</c> checkpoints, with a linear <c>classifier</c> over the final-LayerNorm
/// class token, and <c>ViTImageProcessor</c>'s defaults for a folder without <c>preprocessor_config.json</c>.
/// </summary>
internal sealed class ViTArchitecture : VisionArchitecture
{
    internal static readonly ViTArchitecture Instance = new();

    private ViTArchitecture()
    {
    }

    internal override string ModelType => ViTConfig.ModelType;

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "vit." };

    /// <summary>
    /// <c>ViTImageProcessor()</c>: resize to 224 x 224 (bilinear), no crop, rescale by 1/255, normalise with mean and standard
    /// deviation 0.5 per channel.
    /// </summary>
    internal override ImageProcessorConfig DefaultProcessorConfig { get; } = new(
        ResizeHeight: 224,
        ResizeWidth: 224,
        ShortestEdge: null,
        Resample: ImageProcessorConfig.Bilinear,
        CropHeight: null,
        CropWidth: null,
        RescaleFactor: 1 / 255.0,
        Mean: new[] { 0.5, 0.5, 0.5 },
        Std: new[] { 0.5, 0.5, 0.5 });

    /// <summary>
    /// The attention's query and value, the classic names (transformers 5 calls them <c>q_proj</c> and <c>v_proj</c>, which
    /// match too, and which a saved adapter's <c>target_modules</c> says). PEFT's target-module mapping has no <c>vit</c> entry; query and value are what PEFT's ViT image
    /// classification guide targets and what the mapping gives BERT, whose attention ViT's is.
    /// </summary>
    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "query", "value" };

    internal override IReadOnlyList<string> ImageClassifierHeadModules { get; } = new[] { "classifier" };

    internal override string ImageClassifierClassName => "ViTForImageClassification";

    internal override EncoderShape ReadShape(JsonObject config, string source)
    {
        var vit = ViTConfig.FromJson(config, source);
        return new EncoderShape(vit.HiddenSize, vit.NumHiddenLayers, vit.PatchCount + 1);
    }

    internal override (int Channels, int Side)? ReadInputSize(JsonObject config, string source)
    {
        var vit = ViTConfig.FromJson(config, source);
        return (vit.NumChannels, vit.ImageSize);
    }

    internal override ImageEncoder CreateEncoder(JsonObject config, string source) => new ViTEncoder(ViTConfig.FromJson(config, source));

    /// <summary>The attention's query, key and value and every <c>dense</c> layer: attention output, intermediate and output.</summary>
    internal override IReadOnlyList<string> WeightMatrixModules { get; } = new[] { "query", "key", "value", "dense" };

    internal override IReadOnlyList<string> NormalizationModules { get; } = new[] { "layernorm_before", "layernorm_after", "layernorm" };

    /// <summary>Patch-token maps at four depths of the stack (<see cref="ViTEncoder.FeatureMaps"/>).</summary>
    internal override bool HasFeatureMaps => true;

    internal override ImageClassifierModel CreateImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features) =>
        new LinearImageClassifier("vit", encoder, "classifier", classCount, headInput);
}
