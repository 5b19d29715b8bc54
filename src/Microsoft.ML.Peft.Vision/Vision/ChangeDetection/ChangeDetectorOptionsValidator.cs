// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>The checks of <see cref="ChangeDetectorOptions"/> made when the estimator is built, before any data is read.</summary>
internal static class ChangeDetectorOptionsValidator
{
    internal static void Validate(ChangeDetectorOptions options)
    {
        TrainerOptionsValidator.RequireBackbone(options, "ResNet-18 (VisionBackbones.ResNet18())");
        var backbone = options.Backbone!.AsVision(ChangeDetectorTrainer.LogName);
        if (!backbone.Architecture.HasFeatureMaps)
        {
            throw new ArgumentException(
                $"'{backbone.Source}' ({backbone.ModelType}) gives no spatial feature maps, which a change detector decodes into a mask. Use a backbone with feature maps, "
                + "such as ResNet-18 (VisionBackbones.ResNet18()) or a ViT folder.",
                nameof(options));
        }

        TrainerOptionsValidator.RequireColumnNames(
            (nameof(options.BeforeImageColumnName), options.BeforeImageColumnName),
            (nameof(options.AfterImageColumnName), options.AfterImageColumnName),
            (nameof(options.MaskColumnName), options.MaskColumnName),
            (nameof(options.ProbabilityColumnName), options.ProbabilityColumnName),
            (nameof(options.PredictedMaskColumnName), options.PredictedMaskColumnName));
        TrainerOptionsValidator.RequireDistinctColumnNames(
            (nameof(options.BeforeImageColumnName), options.BeforeImageColumnName),
            (nameof(options.AfterImageColumnName), options.AfterImageColumnName));
        TrainerOptionsValidator.RequireDistinctColumnNames(
            (nameof(options.ProbabilityColumnName), options.ProbabilityColumnName),
            (nameof(options.PredictedMaskColumnName), options.PredictedMaskColumnName));

        if (!(options.Threshold > 0 && options.Threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options.Threshold), options.Threshold, $"`{nameof(options.Threshold)}` is a change probability and must be between 0 and 1 exclusive, got {options.Threshold}.");
        }

        if (options.CropSize is int crop && crop < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options.CropSize), crop, $"`{nameof(options.CropSize)}` is the side of a square crop in pixels and must be at least 1, or null to train on whole pairs; got {crop}.");
        }

        if (options.MaxSequenceLength is not null)
        {
            throw new ArgumentException($"`{nameof(options.MaxSequenceLength)}` applies to text; a change detector reads images at their own size. Leave it null.", nameof(options));
        }

        TrainerOptionsValidator.Validate(options);
    }
}
