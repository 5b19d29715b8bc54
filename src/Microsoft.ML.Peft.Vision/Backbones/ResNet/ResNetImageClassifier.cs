// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.ResNet;

/// <summary>
/// A torchvision ResNet with a new head: the encoder's layers sit at the top level (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1</c> … <c>layer4</c>) beside the linear head <c>fc</c>, so the classifier's state_dict keys, PEFT's target names and
/// <c>modules_to_save</c> are those of <c>torchvision.models.resnet18(num_classes=…)</c> (or of the ResNet with the encoder's blocks).
/// </summary>
/// <remarks>
/// The encoder's children are registered here rather than the encoder itself, which would prefix every key with a name
/// torchvision does not have. They are the same module objects, and adapters attach to modules through forward hooks, so the
/// encoder's forward runs through them.
/// </remarks>
internal sealed class ResNetImageClassifier : ImageClassifierModel
{
    /// <summary>The head's name in torchvision's ResNets.</summary>
    internal const string HeadModuleName = "fc";

    private readonly ImageEncoder _encoder;
    private readonly Linear _head;

    internal ResNetImageClassifier(ImageEncoder encoder, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features)
        : base(nameof(ResNetImageClassifier), headInput)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _encoder = encoder;
        _head = nn.Linear(encoder.FeatureSize, classCount);
        ZeroHead(_head);
        foreach (var (name, child) in encoder.named_children())
        {
            register_module(name, child);
        }

        register_module(HeadModuleName, _head);
        ClassCount = classCount;
    }

    internal override ImageEncoder Encoder => _encoder;

    /// <summary>
    /// The new head starts at zero, as in Big Transfer's fine-tuning: every class starts equally likely, and when a user's
    /// method adapts the head with LoRA instead of saving it whole, its starting value is the same in every process, so the
    /// saved low-rank update alone reproduces it (the update's B·A is then the whole head).
    /// </summary>
    internal static void ZeroHead(Linear head)
    {
        // nn.init rather than zero_(): TorchSharp 0.107's in-place zero_() hands back a new tensor wrapper that nothing frees.
        using var noGrad = no_grad();
        nn.init.zeros_(head.weight!);
        nn.init.zeros_(head.bias!);
    }

    internal override int ClassCount { get; }

    internal override nn.Module Head => _head;

    internal override string HeadName => HeadModuleName;

    protected override Tensor EncodeImages(Tensor pixelValues) => _encoder.call(pixelValues);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);

        // The registered children are the encoder's; the encoder itself is not a child, so its own handle goes here.
        if (disposing)
        {
            _encoder.Dispose();
        }
    }
}
