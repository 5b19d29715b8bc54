// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// CLIP's image tower, named as Hugging Face's <c>CLIPVisionTransformer</c> (<c>vision_model</c> in <c>CLIPModel</c> and
/// <c>CLIPForImageClassification</c>): embeddings, <c>pre_layrnorm</c> (Hugging Face's spelling), the encoder and
/// <c>post_layernorm</c>.
/// </summary>
/// <remarks>
/// As an <see cref="ImageEncoder"/> its features are those <c>CLIPForImageClassification</c> classifies: the mean of the
/// patch tokens' last hidden states, without <c>post_layernorm</c>. <c>CLIPModel</c> uses <see cref="PooledOutput"/> instead.
/// </remarks>
internal sealed class ClipVisionTransformer : ImageEncoder
{
    [ComponentName(Name = "embeddings")]
    private readonly ClipVisionEmbeddings _embeddings;
    [ComponentName(Name = "pre_layrnorm")]
    private readonly LayerNorm _preLayerNorm;
    [ComponentName(Name = "encoder")]
    private readonly ClipEncoder _encoder;
    [ComponentName(Name = "post_layernorm")]
    private readonly LayerNorm _postLayerNorm;

    internal ClipVisionTransformer(ClipVisionConfig config)
        : base(nameof(ClipVisionTransformer))
    {
        Config = config;
        _embeddings = new ClipVisionEmbeddings(config);
        _preLayerNorm = nn.LayerNorm(config.Encoder.HiddenSize, config.Encoder.LayerNormEps);
        _encoder = new ClipEncoder(config.Encoder);
        _postLayerNorm = nn.LayerNorm(config.Encoder.HiddenSize, config.Encoder.LayerNormEps);
        RegisterComponents();
    }

    internal ClipVisionConfig Config { get; }

    internal override int FeatureSize => Config.Encoder.HiddenSize;

    internal override int? ImageSize => Config.ImageSize;

    /// <summary>The mean of the patch tokens' last hidden states (batch, hidden): <c>CLIPForImageClassification</c>'s features.</summary>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return LastHiddenState(pixelValues).narrow(1, 1, Config.PatchCount).mean(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>The pooled output (batch, hidden): <c>post_layernorm</c> of the class token's last hidden state.</summary>
    internal Tensor PooledOutput(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return _postLayerNorm.call(LastHiddenState(pixelValues).select(1, 0)).MoveToOuterDisposeScope();
    }

    private Tensor LastHiddenState(Tensor pixelValues) =>
        _encoder.call(_preLayerNorm.call(_embeddings.call(pixelValues)), null);
}
