// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// An image classifier laid out as Hugging Face's <c>XxxForImageClassification</c>: the encoder under its Hugging Face name
/// (<c>vit</c>, <c>resnet</c>) and a linear head named <c>classifier</c>; pixel values to logits <c>[N, classes]</c>. The head
/// reads the encoder's features as they are, or L2-normalised (<see cref="ClassifierHeadInput.NormalizedFeatures"/>), which
/// is GenD's <c>LinearNorm</c> head and, started from class prototypes, a cosine classifier.
/// </summary>
internal abstract class ImageClassifierModel : nn.Module<Tensor, Tensor>
{
    private readonly FrozenBatchNorms _batchNorms;

    protected ImageClassifierModel(string name, ClassifierHeadInput headInput = ClassifierHeadInput.Features)
        : base(name)
    {
        HeadInput = headInput;
        _batchNorms = new FrozenBatchNorms(this);
    }

    /// <summary>What the head reads.</summary>
    internal ClassifierHeadInput HeadInput { get; }

    /// <summary>
    /// Puts the BatchNorm layers back in evaluation mode (<see cref="FrozenBatchNorms"/>); called before each training forward,
    /// because a training loop switches the whole model to training mode.
    /// </summary>
    internal void FreezeBatchNorms() => _batchNorms.Apply();

    /// <summary>Pixel values to logits: <see cref="Logits"/> of <see cref="Embed"/>.</summary>
    public sealed override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return Logits(Embed(pixelValues)).MoveToOuterDisposeScope();
    }

    /// <summary>What the head reads for each image, (images, features): the encoder's features, L2-normalised when <see cref="HeadInput"/> says so.</summary>
    internal Tensor Embed(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var features = EncodeImages(pixelValues);
        return (HeadInput == ClassifierHeadInput.NormalizedFeatures ? nn.functional.normalize(features, p: 2, dim: 1) : features).MoveToOuterDisposeScope();
    }

    /// <summary>The head's logits (images, classes) for what <see cref="Embed"/> gave.</summary>
    internal virtual Tensor Logits(Tensor embeddings) =>
        (Head as nn.Module<Tensor, Tensor> ?? throw new InvalidOperationException($"{GetType().Name} has no head; it overrides {nameof(Logits)}.")).call(embeddings);

    /// <summary>
    /// Starts the head as a cosine classifier: its weight rows are <paramref name="scale"/> × the class prototypes (unit rows,
    /// classes × features) and its bias zero, so over normalised features it predicts the nearest prototype.
    /// </summary>
    /// <exception cref="InvalidOperationException">The head does not read normalised features.</exception>
    internal void StartHeadFromPrototypes(Tensor prototypes, double scale)
    {
        if (HeadInput != ClassifierHeadInput.NormalizedFeatures)
        {
            throw new InvalidOperationException("A head started from prototypes must read normalised features.");
        }

        var head = Head as Linear ?? throw new InvalidOperationException("A head started from prototypes must be one Linear layer.");
        using var noGrad = no_grad();
        using var factor = scale.ToScalar();
        head.weight!.copy_(prototypes.to(head.weight.dtype).mul(factor));
        nn.init.zeros_(head.bias!);
    }

    /// <summary>The encoder's features of each image, (images, features).</summary>
    protected abstract Tensor EncodeImages(Tensor pixelValues);

    /// <summary>The image tower.</summary>
    internal abstract ImageEncoder Encoder { get; }

    /// <summary>The number of classes.</summary>
    internal abstract int ClassCount { get; }

    /// <summary>The head, a direct child of the model; null when the classes are not a trained layer (text prompts).</summary>
    internal abstract nn.Module? Head { get; }

    /// <summary>The head's module name, e.g. <c>classifier</c>: its parameters are the task checkpoint's keys <c>classifier.weight</c>, <c>classifier.bias</c>; null without a head.</summary>
    internal abstract string? HeadName { get; }

    /// <summary>The text prompt of each class when the classes are prompts (<see cref="Head"/> is then null); otherwise null.</summary>
    internal virtual IReadOnlyList<string>? ClassPrompts => null;

    /// <summary>
    /// Computes what the classes are once, until the returned object is disposed, for a scoring pass in which the weights do
    /// not change (CLIP's prompt embeddings, otherwise encoded in every forward pass); null when the classes cost nothing.
    /// </summary>
    internal virtual IDisposable? FixClasses(Device device) => null;

    /// <summary>The modules a method trains in full and saves in <c>modules_to_save</c>: the head, when there is one.</summary>
    internal IReadOnlyList<string> HeadModules => HeadName is { } name ? new[] { name } : Array.Empty<string>();

    /// <summary>A new head's initialisation, as Hugging Face's <c>_init_weights</c>: weights from N(0, 0.02), zero bias.</summary>
    internal static void InitializeHead(Linear head)
    {
        using var noGrad = no_grad();
        nn.init.normal_(head.weight!, 0, 0.02);
        nn.init.zeros_(head.bias!);
    }
}
