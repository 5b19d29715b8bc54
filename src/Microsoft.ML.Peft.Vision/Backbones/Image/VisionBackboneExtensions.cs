// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>The one way vision estimators reach the vision parts of a <see cref="PretrainedModel"/>.</summary>
internal static class VisionBackboneExtensions
{
    /// <summary>The model's vision parts, for the estimator <paramref name="estimator"/>.</summary>
    /// <param name="model">The backbone.</param>
    /// <param name="estimator">The estimator (or stage) that needs a vision backbone, named in the error.</param>
    /// <exception cref="ArgumentException">The backbone is not a vision model; the message names the estimator, the model's source, model type and modality.</exception>
    internal static VisionBackbone AsVision(this PretrainedModel model, string estimator) =>
        model.Architecture is VisionArchitecture vision
            ? new VisionBackbone(model, vision)
            : throw new ArgumentException(
                $"{estimator} needs a vision backbone (ViT, CLIP, ResNet-18); '{model.Source}' is model_type {model.ModelType} ({model.Modality}).");
}
