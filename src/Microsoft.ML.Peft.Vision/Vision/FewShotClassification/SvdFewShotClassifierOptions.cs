// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="SvdFewShotClassificationEstimator"/>: an image classifier with CLIP-SVD's recipe. Singular-value
/// tuning of every weight matrix (<see cref="SingularValueTuningConfig"/>; any registered method through
/// <see cref="PeftTrainerOptions.Method"/>), a head that starts as a classifier before the first step, and CLIP-SVD's
/// optimisation: AdamW at 5e-4 with weight decay 0.01 and a cosine decay without warmup.
/// </summary>
/// <remarks>
/// With a CLIP backbone the classes are text prompts, <see cref="PromptTemplate"/> filled with each class name (the label's key
/// values, underscores read as spaces), encoded by the text tower in every step, so tuning the text tower's singular values
/// moves the classes; logits are CLIP's <c>exp(logit_scale)</c> × the cosine similarity of image and prompt. With an
/// image-only backbone (ResNet-18, ViT) the head is linear over L2-normalised features and starts from the class prototypes,
/// the normalised mean feature of each class's training images, scaled by <see cref="PrototypeLogitScale"/>: a
/// nearest-class-mean classifier, then trained with the adapter. CLIP-SVD trains for 200 × K iterations at batch 32; the
/// default <see cref="PeftTrainerOptions.Epochs"/> is far fewer, for a CPU; 0 trains nothing and returns the starting head
/// (zero-shot CLIP, or the nearest class prototype).
/// </remarks>
public sealed class SvdFewShotClassifierOptions : ImageClassifierOptionsBase
{
    /// <summary>The defaults of the simple overload and of these options.</summary>
    public static class Defaults
    {
        /// <summary>CLIP-SVD's peak learning rate.</summary>
        public const double LearningRate = 5e-4;

        /// <summary>CLIP-SVD's AdamW weight decay.</summary>
        public const double WeightDecay = 0.01;

        /// <summary>Passes over the (few) training images.</summary>
        public const int Epochs = 20;

        /// <summary>The prompt of CLIP-SVD's ImageNet, Caltech, Cars and SUN experiments.</summary>
        public const string PromptTemplate = "a photo of a {label}.";

        /// <summary>The factor of the prototype head's cosine logits.</summary>
        public const double PrototypeLogitScale = 10;
    }

    /// <summary>Creates options with CLIP-SVD's defaults.</summary>
    public SvdFewShotClassifierOptions()
    {
        LearningRate = Defaults.LearningRate;
        WeightDecay = Defaults.WeightDecay;
        WarmupFraction = 0;
        LearningRateDecay = LearningRateDecay.Cosine;
        Epochs = Defaults.Epochs;
    }

    /// <summary>0: <see cref="PeftTrainerOptions.Epochs"/> = 0 trains nothing and predicts with the starting head (CLIP's zero-shot classifier, or the class prototypes).</summary>
    internal override int MinimumEpochs => 0;

    /// <summary>
    /// The text of each class's prompt for a CLIP backbone, where <c>{label}</c> stands for the class name, e.g.
    /// <c>"a centered satellite photo of {label}."</c> for satellite images. Not used by image-only backbones.
    /// </summary>
    public string PromptTemplate { get; set; } = Defaults.PromptTemplate;

    /// <summary>
    /// The factor that turns the prototype head's starting cosine similarities into logits (image-only backbones); larger
    /// makes the starting classifier more confident. Positive.
    /// </summary>
    public double PrototypeLogitScale { get; set; } = Defaults.PrototypeLogitScale;
}
