// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A tiny convolutional vision backbone registered from the test assembly (model_type <c>tiny-cnn</c>): conv, BatchNorm,
/// ReLU, global average pool and a linear projection, so vision estimators are tested in seconds and BatchNorm's frozen
/// statistics are exercised. Its LoRA targets are the projection.
/// </summary>
internal sealed class TinyCnnArchitecture : VisionArchitecture
{
    internal const string Type = "tiny-cnn";

    internal static readonly TinyCnnArchitecture Instance = new();

    private TinyCnnArchitecture()
    {
    }

    internal override string ModelType => Type;

    internal override IReadOnlyList<string> CheckpointPrefixes { get; } = new[] { "cnn." };

    internal override ImageProcessorConfig DefaultProcessorConfig { get; } =
        new(16, 16, null, ImageProcessorConfig.Bilinear, null, null, 1 / 255.0, new[] { 0.5, 0.5, 0.5 }, new[] { 0.5, 0.5, 0.5 });

    internal override IReadOnlyList<string> DefaultTargetModules { get; } = new[] { "proj" };

    internal override IReadOnlyList<string> ImageClassifierHeadModules { get; } = new[] { "classifier" };

    internal override string ImageClassifierClassName => "TinyCnnForImageClassification";

    /// <summary>Registers the architecture once; safe to call from every test.</summary>
    internal static void Register() => BackboneRegistry.Register(Instance);

    internal override EncoderShape ReadShape(JsonObject config, string source) =>
        new(ReadFeatures(config), 1, MaxSequenceLength: 1);

    internal override ImageEncoder CreateEncoder(JsonObject config, string source) =>
        new TinyCnnEncoder(JsonValues.Int(config["channels"], "channels"), ReadFeatures(config));

    internal override IReadOnlyList<string> WeightMatrixModules { get; } = new[] { "conv1", "proj" };

    internal override IReadOnlyList<string> NormalizationModules { get; } = new[] { "bn1" };

    internal override bool HasFeatureMaps => true;

    internal override ImageClassifierModel CreateImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features) =>
        new LinearImageClassifier("cnn", encoder, "classifier", classCount, headInput);

    private static int ReadFeatures(JsonObject config) => JsonValues.Int(config["hidden_size"], "hidden_size");
}
