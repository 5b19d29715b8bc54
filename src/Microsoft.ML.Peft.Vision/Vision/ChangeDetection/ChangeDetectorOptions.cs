// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="ChangeDetectionEstimator"/>: PeftCD's change detector. One encoder with shared weights (ResNet-18,
/// or a ViT, which reads the pair resized to its input size) reads the image before and the image after; LoRA (rank 8, alpha 32, dropout 0.1, PeftCD's settings) adapts
/// it, or any registered method through <see cref="PeftTrainerOptions.Method"/>; a light decoder, trained in full, turns the
/// difference of the two dates' feature maps at every scale into a change probability per pixel. The loss is binary
/// cross-entropy plus the soft Dice loss of the change class, one to one.
/// </summary>
/// <remarks>
/// Images are processed at their own size (the backbone's rescaling and normalisation, no resize or crop), so the map lines
/// up with the pixels. Every training pair, and every pair scored later, has the size of the first training pair: the output
/// columns are vectors of that size, with the dimensions (height, width). Cut larger scenes into tiles of that size. A batch
/// counts image pairs. BatchNorm layers keep their pretrained running statistics while the adapter trains. With a
/// <see cref="PeftTrainerOptions.ValidationSet"/>, the metric of each epoch is the change class's intersection over union.
/// </remarks>
public sealed class ChangeDetectorOptions : PeftTrainerOptions
{
    /// <summary>The defaults of the simple overload and of these options.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank (PeftCD's).</summary>
        public const int Rank = 8;

        /// <summary>LoRA alpha (PeftCD's).</summary>
        public const double Alpha = 32;

        /// <summary>LoRA dropout (PeftCD's).</summary>
        public const double Dropout = 0.1;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = 20;

        /// <summary>Image pairs per training step.</summary>
        public const int BatchSize = 4;

        /// <summary>The change probability above which a pixel is predicted as change.</summary>
        public const double Threshold = 0.5;
    }

    /// <summary>Creates options with the defaults.</summary>
    public ChangeDetectorOptions()
        : base(Defaults.BatchSize, predictionBatchSize: Defaults.BatchSize)
    {
        Epochs = Defaults.Epochs;
    }

    /// <summary>The image column of the earlier date: an Image (<c>LoadImages</c>), encoded image bytes, or an image file path.</summary>
    public string BeforeImageColumnName { get; set; } = "Before";

    /// <summary>The image column of the later date, of the same size as the earlier one in every row.</summary>
    public string AfterImageColumnName { get; set; } = "After";

    /// <summary>
    /// The change mask column, read for training and validation only: an image of the pairs' size whose changed pixels are
    /// bright (a pixel is change when its brightest channel is above 127), as LEVIR-CD's white-on-black labels.
    /// </summary>
    public string MaskColumnName { get; set; } = "Mask";

    /// <summary>The output column of change probabilities: a vector of float with the dimensions (height, width), row-major.</summary>
    public string ProbabilityColumnName { get; set; } = "ChangeProbability";

    /// <summary>The output column of the predicted mask: a vector of Boolean with the dimensions (height, width), true for change.</summary>
    public string PredictedMaskColumnName { get; set; } = "PredictedMask";

    /// <summary>The change probability above which a pixel is predicted as change, between 0 and 1 exclusive.</summary>
    public double Threshold { get; set; } = Defaults.Threshold;

    /// <summary>
    /// Transforms each training pair anew every step by one of the eight symmetries of the square (quarter turns and a flip),
    /// the same for both images and the mask, as PeftCD's flips and rotations. Turn it off for scenes whose orientation matters.
    /// </summary>
    public bool Augment { get; set; } = true;

    /// <summary>
    /// The side of a random square crop taken at the same place from both images and the mask of each training pair (after
    /// <see cref="Augment"/>), so a step costs less and sees more places; null (the default) trains on whole pairs. At most
    /// the pairs' smaller side.
    /// </summary>
    public int? CropSize { get; set; }
}
