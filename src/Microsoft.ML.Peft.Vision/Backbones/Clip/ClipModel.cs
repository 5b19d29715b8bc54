// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// Hugging Face's <c>CLIPModel</c>: both towers and their projections into one embedding space, with parameter names equal to
/// its checkpoint keys (<c>text_model.*</c>, <c>vision_model.*</c>, <c>visual_projection.weight</c>,
/// <c>text_projection.weight</c>, <c>logit_scale</c>), so the whole checkpoint loads by name and one PEFT adapter over both
/// towers has PEFT's keys (<c>base_model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_A.weight</c>).
/// </summary>
/// <remarks>
/// It is the module <see cref="ClipArchitecture.CreateEncoder"/> returns, so <see cref="PretrainedModel"/> loads and
/// fingerprints both towers. As an <see cref="ImageEncoder"/> its features are <c>get_image_features</c>: the projected image
/// embedding (not normalised), <see cref="FeatureSize"/> = <c>projection_dim</c>; <see cref="TextFeatures"/> and
/// <see cref="Compare"/> are the text side and the full forward pass.
/// </remarks>
internal sealed class ClipModel : ImageEncoder
{
    [ComponentName(Name = "text_model")]
    private readonly ClipTextTransformer _textModel;
    [ComponentName(Name = "vision_model")]
    private ClipVisionTransformer? _visionModel;
    [ComponentName(Name = "visual_projection")]
    private readonly Linear _visualProjection;
    [ComponentName(Name = "text_projection")]
    private readonly Linear _textProjection;
    [ComponentName(Name = "logit_scale")]
    private readonly Parameter _logitScale;

    internal ClipModel(ClipConfig config)
        : base(nameof(ClipModel))
    {
        Config = config;
        _textModel = new ClipTextTransformer(config.Text);
        _visionModel = new ClipVisionTransformer(config.Vision);
        _visualProjection = nn.Linear(config.Vision.Encoder.HiddenSize, config.ProjectionDim, hasBias: false);
        _textProjection = nn.Linear(config.Text.Encoder.HiddenSize, config.ProjectionDim, hasBias: false);
        _logitScale = new Parameter(tensor((float)config.LogitScaleInitValue), requires_grad: true);
        RegisterComponents();
    }

    internal ClipConfig Config { get; }

    /// <summary><c>logit_scale</c>: the log of the factor that turns cosine similarities into logits (ln 100 in OpenAI's models).</summary>
    internal Parameter LogitScale => _logitScale;

    /// <summary>The text tower (<c>text_model</c>).</summary>
    internal ClipTextTransformer TextModel => _textModel;

    internal override int FeatureSize => Config.ProjectionDim;

    internal override int? ImageSize => Config.Vision.ImageSize;

    /// <summary>The image embeddings (images, projection_dim) of pixel values: <c>visual_projection</c> of the pooled class token.</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return _visualProjection.call(VisionModel.PooledOutput(pixelValues)).MoveToOuterDisposeScope();
    }

    /// <summary>The text embeddings (texts, projection_dim), not normalised: <c>text_projection</c> of the pooled end-of-text token.</summary>
    /// <param name="inputIds">Token ids (texts, time), each row holding its end-of-text token.</param>
    /// <param name="attentionMask">1 for tokens, 0 for padding (texts, time).</param>
    internal Tensor TextFeatures(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return _textProjection.call(_textModel.call(inputIds, attentionMask)).MoveToOuterDisposeScope();
    }

    /// <summary><c>CLIPModel.forward</c>: both embeddings normalised, and their similarities scaled by <c>logit_scale.exp()</c>.</summary>
    internal ClipOutput Compare(Tensor pixelValues, Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var image = Normalize(call(pixelValues));
        var text = Normalize(TextFeatures(inputIds, attentionMask));
        var logitsPerText = text.matmul(image.t()) * _logitScale.exp();
        var logitsPerImage = logitsPerText.t();
        return new ClipOutput(image.MoveToOuterDisposeScope(), text.MoveToOuterDisposeScope(), logitsPerImage.MoveToOuterDisposeScope(), logitsPerText.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Takes the image tower out and disposes the rest (text tower, projections, <c>logit_scale</c>): the start of
    /// <c>CLIPForImageClassification</c>, which has only <c>vision_model</c> and its head. The model is not usable afterwards.
    /// </summary>
    internal ClipVisionTransformer ReleaseVisionModel()
    {
        var vision = VisionModel;
        _internal_submodules.Remove("vision_model");
        _visionModel = null;
        Dispose();
        return vision;
    }

    /// <summary>The image tower (<c>vision_model</c>), until <see cref="ReleaseVisionModel"/> hands it on.</summary>
    /// <exception cref="ObjectDisposedException">It was released.</exception>
    internal ClipVisionTransformer VisionModel =>
        _visionModel ?? throw new ObjectDisposedException(nameof(ClipModel), "The image tower was released to an image classifier.");

    /// <summary>Each row divided by its L2 norm, as transformers' <c>_get_vector_norm</c> (square, sum, square root).</summary>
    internal static Tensor Normalize(Tensor embeddings) => embeddings / embeddings.pow(2).sum(-1, keepdim: true).sqrt();
}
