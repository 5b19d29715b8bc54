// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// The classifier every vision architecture builds: the encoder under its checkpoint name (<c>vit</c> for
/// <c>ViTForImageClassification</c>; empty for torchvision's <c>resnet18</c>, whose layers sit at the top level) and one
/// linear head over the encoder's features (<c>classifier</c>, or torchvision's <c>fc</c>), so task checkpoint keys and
/// <c>modules_to_save</c> match the Python classes'.
/// </summary>
internal sealed class LinearImageClassifier : ImageClassifierModel
{
    private readonly ImageEncoder _encoder;
    private readonly Linear _head;

    /// <param name="encoderName">The encoder's name in the classifier, e.g. <c>vit</c>.</param>
    /// <param name="encoder">The image tower.</param>
    /// <param name="headName">The head's name, e.g. <c>classifier</c>.</param>
    /// <param name="classCount">The number of classes.</param>
    /// <param name="headInput">What the head reads.</param>
    internal LinearImageClassifier(string encoderName, ImageEncoder encoder, string headName, int classCount, ClassifierHeadInput headInput = ClassifierHeadInput.Features)
        : base(nameof(LinearImageClassifier), headInput)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        _encoder = encoder;
        _head = nn.Linear(encoder.FeatureSize, classCount);
        InitializeHead(_head);
        register_module(encoderName, _encoder);
        register_module(headName, _head);
        ClassCount = classCount;
        HeadName = headName;
    }

    internal override ImageEncoder Encoder => _encoder;

    internal override int ClassCount { get; }

    internal override nn.Module Head => _head;

    internal override string HeadName { get; }

    protected override Tensor EncodeImages(Tensor pixelValues) => _encoder.call(pixelValues);
}
