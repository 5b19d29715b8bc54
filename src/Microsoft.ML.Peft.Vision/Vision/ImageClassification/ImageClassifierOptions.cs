// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>
/// Options of <see cref="ImageClassificationEstimator"/>: the columns, the backbone, the PEFT method (LoRA by default, any
/// registered method through <see cref="PeftTrainerOptions.Method"/>) and the training schedule; the shared ones are on
/// <see cref="ImageClassifierOptionsBase"/>.
/// </summary>
/// <remarks>
/// A batch counts images. Every image is decoded to RGB (grayscale images are converted) and prepared by the backbone's image
/// processor: its folder's <c>preprocessor_config.json</c>, or the architecture's default when the folder has none.
/// <see cref="PeftTrainerOptions.MaxSequenceLength"/> does not apply to images and must stay null. With a
/// <see cref="PeftTrainerOptions.ValidationSet"/>, the metric of each epoch is the validation accuracy. BatchNorm layers
/// (ResNet) keep their pretrained running statistics while the adapter trains, which is what small fine-tuning sets need.
/// </remarks>
public sealed class ImageClassifierOptions : ImageClassifierOptionsBase
{
    /// <summary>The defaults of the simple overload and of these options.</summary>
    public static class Defaults
    {
        /// <summary>LoRA rank.</summary>
        public const int Rank = 8;

        /// <summary>LoRA alpha.</summary>
        public const double Alpha = 16;

        /// <summary>Passes over the training data.</summary>
        public const int Epochs = TrainerOptionDefaults.Epochs;

        /// <summary>Images per training step.</summary>
        public const int BatchSize = 32;
    }

    /// <summary>Creates options with the defaults.</summary>
    public ImageClassifierOptions()
    {
    }
}
