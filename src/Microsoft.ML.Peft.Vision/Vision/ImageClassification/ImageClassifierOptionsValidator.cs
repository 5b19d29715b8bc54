// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>The checks of <see cref="ImageClassifierOptions"/> made when the estimator is built, before any data is read.</summary>
internal static class ImageClassifierOptionsValidator
{
    internal static void Validate(ImageClassifierOptionsBase options)
    {
        TrainerOptionsValidator.RequireBackbone(options, "ResNet-18 (VisionBackbones.ResNet18())");

        // A backbone of another modality (e.g. text), or whose image processor does not fit its encoder, is refused here,
        // at construction, rather than in Fit.
        options.Backbone!.AsVision(ImageClassifierTrainer.LogName).RequireProcessorFitsEncoder();

        TrainerOptionsValidator.RequireColumnNames(
            (nameof(options.LabelColumnName), options.LabelColumnName),
            (nameof(options.ImageColumnName), options.ImageColumnName));
        ClassifierOutputColumns.Validate(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName);

        if (options.MaxSequenceLength is not null)
        {
            throw new ArgumentException($"`{nameof(options.MaxSequenceLength)}` applies to text; an image classifier takes the image size from the backbone's image processor. Leave it null.", nameof(options));
        }

        TrainerOptionsValidator.Validate(options);
    }
}
