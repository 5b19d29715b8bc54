// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft.Vision.NormTunedDetection;

/// <summary>
/// GenD's recipe for the image-classifier trainer: LN tuning of the architecture's normalisation layers, a linear head over
/// L2-normalised features (GenD's <c>LinearNorm</c>), GenD's three-part loss, and a Boolean label with both classes present.
/// </summary>
internal static class NormTunedDetectionRecipe
{
    internal const string LogName = "NormTunedDetector";

    internal static ImageClassifierRecipe Instance { get; } = new()
    {
        LogName = LogName,
        Task = "a norm-tuned detector",
        DefaultMethod = _ => new LayerNormTuningConfig(),
        DefaultTargets = backbone => backbone.Architecture.NormalizationModules,
        HeadInput = ClassifierHeadInput.NormalizedFeatures,
        Loss = (logits, embeddings, target) => NormTunedDetectionLoss.Compute(embeddings, logits, target),
        CheckLabel = RequireBothClasses,
    };

    private static void RequireBothClasses(ClassifierLabel label, ImageClassificationRows rows, string labelColumnName)
    {
        if (!label.IsBinary)
        {
            throw new ArgumentOutOfRangeException(
                labelColumnName,
                $"The norm-tuned detector needs a Boolean label column (true for the class to detect); '{labelColumnName}' is a key. Use mlContext.Peft().ImageClassifier for more than two classes.");
        }

        int positives = rows.Labels.Count(l => l == 1);
        if (positives == 0 || positives == rows.Count)
        {
            string present = positives == 0 ? "false" : "true";
            throw new ArgumentException(
                $"Every one of the {rows.Count} training rows has label '{labelColumnName}' = {present}; a detector learns from examples of both classes. Add rows whose label is {(positives == 0 ? "true" : "false")}.",
                labelColumnName);
        }
    }
}
