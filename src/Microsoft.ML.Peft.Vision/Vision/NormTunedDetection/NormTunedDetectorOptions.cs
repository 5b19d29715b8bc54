// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="NormTunedDetectionEstimator"/>: a binary image classifier with GenD's recipe. Only the backbone's
/// normalisation layers train (<see cref="LayerNormTuningConfig"/> on every LayerNorm of a ViT or CLIP, every BatchNorm's
/// affine values of a CNN with its statistics frozen; any registered method through <see cref="PeftTrainerOptions.Method"/>),
/// plus a linear head over L2-normalised features, with GenD's loss 1.0 · cross-entropy + 0.5 · uniformity + 0.1 · alignment
/// and GenD's optimisation: AdamW at 3e-4, no weight decay, a cosine decay without warmup.
/// </summary>
/// <remarks>
/// The label is a Boolean, true for the class to detect (a fake), and both values must occur in the training data. The
/// output columns are ML.NET's binary ones: <c>Score</c> (the margin), <c>Probability</c> (P(true)) and <c>PredictedLabel</c>;
/// <c>mlContext.BinaryClassification.EvaluateNonCalibrated</c> gives the AUROC and accuracy, and
/// <c>mlContext.Peft().EvaluateDetector</c> adds the equal error rate. GenD restarts its cosine every 10 epochs; here it
/// decays once over the run (decided: the runs here are a few epochs long).
/// </remarks>
public sealed class NormTunedDetectorOptions : ImageClassifierOptionsBase
{
    /// <summary>The defaults of the simple overload and of these options.</summary>
    public static class Defaults
    {
        /// <summary>GenD's peak learning rate.</summary>
        public const double LearningRate = 3e-4;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = 10;
    }

    /// <summary>Creates options with GenD's defaults.</summary>
    public NormTunedDetectorOptions()
    {
        LearningRate = Defaults.LearningRate;
        WeightDecay = 0;
        WarmupFraction = 0;
        LearningRateDecay = LearningRateDecay.Cosine;
        Epochs = Defaults.Epochs;
    }
}
