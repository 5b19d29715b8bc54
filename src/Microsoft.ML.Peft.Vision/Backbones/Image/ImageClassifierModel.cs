// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// An image classifier laid out as Hugging Face's <c>XxxForImageClassification</c>: the encoder under its Hugging Face name
/// (<c>vit</c>, <c>resnet</c>) and a linear head named <c>classifier</c>; pixel values to logits <c>[N, classes]</c>.
/// </summary>
internal abstract class ImageClassifierModel : nn.Module<Tensor, Tensor>
{
    private BatchNorm2d[]? _batchNorms;

    protected ImageClassifierModel(string name)
        : base(name)
    {
    }

    /// <summary>
    /// The model's BatchNorm layers. They stay in evaluation mode while an adapter trains, so their pretrained running
    /// statistics are neither updated nor replaced by the small fine-tuning batches' statistics. Found once: adapters add
    /// no BatchNorm layers.
    /// </summary>
    internal IReadOnlyList<BatchNorm2d> BatchNorms => _batchNorms ??= modules().OfType<BatchNorm2d>().ToArray();

    /// <summary>
    /// Puts the BatchNorm layers back in evaluation mode; called before each training forward, because a training loop
    /// switches the whole model to training mode.
    /// </summary>
    internal void FreezeBatchNorms()
    {
        foreach (var batchNorm in BatchNorms)
        {
            batchNorm.eval();
        }
    }

    /// <summary>The image tower.</summary>
    internal abstract ImageEncoder Encoder { get; }

    /// <summary>The number of classes.</summary>
    internal abstract int ClassCount { get; }

    /// <summary>The head, a direct child of the model.</summary>
    internal abstract nn.Module Head { get; }

    /// <summary>The head's module name, e.g. <c>classifier</c>: its parameters are the task checkpoint's keys <c>classifier.weight</c>, <c>classifier.bias</c>.</summary>
    internal abstract string HeadName { get; }

    /// <summary>A new head's initialisation, as Hugging Face's <c>_init_weights</c>: weights from N(0, 0.02), zero bias.</summary>
    internal static void InitializeHead(Linear head)
    {
        using var noGrad = no_grad();
        nn.init.normal_(head.weight!, 0, 0.02);
        nn.init.zeros_(head.bias!);
    }
}
