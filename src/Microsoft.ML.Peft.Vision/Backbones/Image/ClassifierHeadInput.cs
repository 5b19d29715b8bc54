// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>What an image classifier's linear head reads.</summary>
internal enum ClassifierHeadInput
{
    /// <summary>The encoder's features as they are, as Hugging Face's classifiers.</summary>
    Features = 0,

    /// <summary>The features divided by their L2 norm, as GenD's <c>LinearNorm</c> head and cosine classifiers.</summary>
    NormalizedFeatures = 1,
}
