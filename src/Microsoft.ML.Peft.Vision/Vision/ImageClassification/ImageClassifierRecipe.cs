// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// What an image-classifier estimator changes in <see cref="ImageClassifierTrainer"/>: its name in logs and messages, its
/// default method, what its head reads and how the head starts, and its loss. The image classifier, the few-shot
/// classifier (CLIP-SVD) and the norm-tuned detector (GenD) are one trainer with three recipes, so they read data, train,
/// score, save and reload alike.
/// </summary>
internal sealed class ImageClassifierRecipe
{
    /// <summary>The log channel and the estimator's name in messages, e.g. <c>ImageClassifier</c>.</summary>
    internal required string LogName { get; init; }

    /// <summary>The task in messages, e.g. "an image classifier".</summary>
    internal required string Task { get; init; }

    /// <summary>The method when the user sets none, with its targets for the backbone.</summary>
    internal required Func<VisionBackbone, PeftConfig> DefaultMethod { get; init; }

    /// <summary>The targets of a user's method that names none.</summary>
    internal required Func<VisionBackbone, IReadOnlyList<string>> DefaultTargets { get; init; }

    /// <summary>What the head reads.</summary>
    internal ClassifierHeadInput HeadInput { get; init; } = ClassifierHeadInput.Features;

    /// <summary>
    /// The text of each class's prompt for a backbone with a text tower, from its class name; null for a trained linear head.
    /// When set and the backbone has no text tower, the head is linear and <see cref="StartHead"/> starts it.
    /// </summary>
    internal Func<string, string>? Prompt { get; init; }

    /// <summary>Sets the new linear head's starting values from the training rows, before the method is added; null keeps the architecture's initialisation.</summary>
    internal Action<ImageClassifierModel, ImageProcessor, ImageClassificationRows>? StartHead { get; init; }

    /// <summary>The training loss of a batch from the logits, the head's input and the class indices; null is cross-entropy.</summary>
    internal Func<Tensor, Tensor, Tensor, Tensor>? Loss { get; init; }

    /// <summary>Checks the label column and the training rows' classes before anything is built; null accepts any classifier label.</summary>
    internal Action<ClassifierLabel, ImageClassificationRows, string>? CheckLabel { get; init; }

    /// <summary>The loss of a batch.</summary>
    internal Tensor ComputeLoss(ImageClassifierModel network, Tensor pixels, Tensor target)
    {
        if (Loss is null)
        {
            return nn.functional.cross_entropy(network.call(pixels), target);
        }

        using var scope = NewDisposeScope();
        var embeddings = network.Embed(pixels);
        return Loss(network.Logits(embeddings), embeddings, target).MoveToOuterDisposeScope();
    }
}
