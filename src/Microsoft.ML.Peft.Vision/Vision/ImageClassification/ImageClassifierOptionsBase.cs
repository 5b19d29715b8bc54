// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// What the options of every image-classifier estimator share: the columns, the backbone, the PEFT method (any registered
/// method through <see cref="PeftTrainerOptions.Method"/>), augmentation and the training schedule. Each estimator's sealed
/// options (<see cref="ImageClassifierOptions"/>, <see cref="SvdFewShotClassifierOptions"/>, <see cref="NormTunedDetectorOptions"/>)
/// set its recipe's defaults.
/// </summary>
/// <remarks>
/// A batch counts images. Every image is decoded to RGB (grayscale images are converted) and prepared by the backbone's image
/// processor: its folder's <c>preprocessor_config.json</c>, or the architecture's default when the folder has none.
/// <see cref="PeftTrainerOptions.MaxSequenceLength"/> does not apply to images and must stay null. With a
/// <see cref="PeftTrainerOptions.ValidationSet"/>, the metric of each epoch is the validation accuracy. BatchNorm layers
/// (ResNet) keep their pretrained running statistics while the adapter trains, which is what small fine-tuning sets need.
/// </remarks>
public abstract class ImageClassifierOptionsBase : PeftTrainerOptions
{
    private protected ImageClassifierOptionsBase()
        : base(ImageClassifierOptions.Defaults.BatchSize, predictionBatchSize: 32)
    {
    }

    /// <summary>
    /// The label column, whose type chooses the output: a key (<c>MapValueToKey</c>) with at least two values for a multiclass
    /// classifier, a Boolean for a binary one with ML.NET's binary-classifier columns.
    /// </summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The image column: an Image (<c>mlContext.Transforms.LoadImages</c>), a vector of bytes holding an encoded image file, or
    /// text holding an image file path.
    /// </summary>
    public string ImageColumnName { get; set; } = "Image";

    /// <summary>
    /// The output column of class probabilities (vector of float, one per class), or for a Boolean label the margin
    /// logit(true) − logit(false) (Single), as ML.NET's binary trainers put in <c>Score</c>.
    /// </summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The output column of P(true) (Single), added only for a Boolean label, as ML.NET's binary trainers add it.</summary>
    public string ProbabilityColumnName { get; set; } = "Probability";

    /// <summary>
    /// The output column of the most probable class: a key with the label column's key values, or for a Boolean label a
    /// Boolean (P(true) &gt; 0.5).
    /// </summary>
    public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

    /// <summary>
    /// An output column of what the head reads for each image (vector of float: the encoder's features, L2-normalised for the
    /// few-shot classifier and the detector), e.g. to plot the feature space; null (the default) adds none.
    /// </summary>
    public string? FeaturesColumnName { get; set; }

    /// <summary>
    /// Augments each training image anew every epoch: a random resized crop (scale 0.5–1, aspect 3/4–4/3) and a horizontal
    /// flip with probability 0.5, torchvision's defaults for fine-tuning. Turn it off for images whose orientation carries the
    /// class (digits, text).
    /// </summary>
    public bool Augment { get; set; } = true;
}
