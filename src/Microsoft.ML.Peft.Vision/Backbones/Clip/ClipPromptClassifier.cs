// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// CLIP's zero-shot classifier, and CLIP-SVD's few-shot one: each class is a text prompt ("a photo of a cat."), and an
/// image's logits are <c>exp(logit_scale) · normalised image embedding · normalised prompt embeddingᵀ</c>. The prompts are
/// encoded by the text tower in every forward pass, so a method adapting the text tower (CLIP-SVD's singular values in both
/// towers) moves the classes too; there is no head to train.
/// </summary>
/// <remarks>
/// The whole <see cref="ClipModel"/>'s children and its <c>logit_scale</c> are registered here under their own names, so the
/// parameter and adapter keys are <c>CLIPModel</c>'s (<c>vision_model.encoder.layers.0.self_attn.q_proj.…</c>). The prompts'
/// token ids are fixed when the classifier is built and kept outside the parameters.
/// </remarks>
internal sealed class ClipPromptClassifier : ImageClassifierModel
{
    private readonly ClipModel _clip;
    private readonly Tensor _inputIds;
    private readonly Tensor _attentionMask;
    private Tensor? _fixedPrompts;

    /// <exception cref="ArgumentException">There are fewer than two prompts.</exception>
    internal ClipPromptClassifier(ClipModel clip, TextTokenizer tokenizer, IReadOnlyList<string> prompts)
        : base(nameof(ClipPromptClassifier), ClassifierHeadInput.NormalizedFeatures)
    {
        if (prompts.Count < 2)
        {
            throw new ArgumentException($"A classifier needs at least two classes, so at least two prompts; got {prompts.Count}.", nameof(prompts));
        }

        _clip = clip;
        foreach (var (name, child) in clip.named_children())
        {
            register_module(name, child);
        }

        register_parameter("logit_scale", clip.LogitScale);
        using (var scope = NewDisposeScope())
        {
            var inputs = ClipTextInputs.Pad(prompts.Select(p => tokenizer.Encode(p)).ToList(), tokenizer.Layout.PadId);
            _inputIds = inputs.InputIds.DetachFromDisposeScope();
            _attentionMask = inputs.AttentionMask.DetachFromDisposeScope();
        }

        Prompts = prompts.ToArray();
    }

    /// <summary>The class prompts, in class order.</summary>
    internal IReadOnlyList<string> Prompts { get; }

    internal override IReadOnlyList<string>? ClassPrompts => Prompts;

    internal override ImageEncoder Encoder => _clip;

    internal override int ClassCount => Prompts.Count;

    internal override nn.Module? Head => null;

    internal override string? HeadName => null;

    /// <summary>The prompts' embeddings from the text tower, normalised, (classes, projection_dim).</summary>
    internal Tensor PromptEmbeddings(Device device)
    {
        using var scope = NewDisposeScope();
        var text = _clip.TextFeatures(_inputIds.to(device), _attentionMask.to(device));
        return nn.functional.normalize(text, p: 2, dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>The prompts' embeddings, encoded once for the scoring pass that disposes the result.</summary>
    internal override IDisposable? FixClasses(Device device)
    {
        _fixedPrompts?.Dispose();
        _fixedPrompts = PromptEmbeddings(device).DetachFromDisposeScope();
        return new FixedPrompts(this);
    }

    internal override Tensor Logits(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var text = _fixedPrompts ?? PromptEmbeddings(embeddings.device);
        return embeddings.matmul(text.t().to(embeddings.dtype)).mul(_clip.LogitScale.exp()).MoveToOuterDisposeScope();
    }

    protected override Tensor EncodeImages(Tensor pixelValues) => _clip.call(pixelValues);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);

        // The registered children are the CLIP model's; the model itself is not a child, so its own handle goes here.
        if (disposing)
        {
            _fixedPrompts?.Dispose();
            _inputIds.Dispose();
            _attentionMask.Dispose();
            _clip.Dispose();
        }
    }

    // Ends a scoring pass: the prompts are encoded in every forward pass again, as training needs.
    private sealed class FixedPrompts(ClipPromptClassifier classifier) : IDisposable
    {
        public void Dispose()
        {
            classifier._fixedPrompts?.Dispose();
            classifier._fixedPrompts = null;
        }
    }
}
