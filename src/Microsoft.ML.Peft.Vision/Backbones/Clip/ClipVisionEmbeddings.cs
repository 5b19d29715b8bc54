// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The class token, the patch embedding (a bias-free convolution with stride equal to its kernel) and learned position
/// embeddings, named as Hugging Face's <c>CLIPVisionEmbeddings</c>.
/// </summary>
internal sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "class_embedding")]
    private readonly Parameter _classEmbedding;
    [ComponentName(Name = "patch_embedding")]
    private readonly Conv2d _patchEmbedding;
    [ComponentName(Name = "position_embedding")]
    private readonly Embedding _positionEmbedding;
    private readonly ClipVisionConfig _config;

    internal ClipVisionEmbeddings(ClipVisionConfig config)
        : base(nameof(ClipVisionEmbeddings))
    {
        int hidden = config.Encoder.HiddenSize;
        _classEmbedding = new Parameter(randn(hidden), requires_grad: true);
        _patchEmbedding = nn.Conv2d(config.NumChannels, hidden, config.PatchSize, stride: config.PatchSize, bias: false);
        _positionEmbedding = nn.Embedding(config.PositionCount, hidden);
        _config = config;
        RegisterComponents();
    }

    /// <summary>The embedded sequence (batch, 1 + patches, hidden) of pixel values (batch, channels, image size, image size).</summary>
    /// <exception cref="ArgumentException">The images are not of the configured size (position embeddings are not interpolated).</exception>
    public override Tensor forward(Tensor pixelValues)
    {
        long height = pixelValues.shape[2];
        long width = pixelValues.shape[3];
        if (height != _config.ImageSize || width != _config.ImageSize)
        {
            throw new ArgumentException($"The images are {height}x{width} but the CLIP image tower was built for {_config.ImageSize}x{_config.ImageSize} (vision_config.image_size); write the model's preprocessor_config.json (without it CLIPImageProcessor's defaults apply: 224-pixel crops).", nameof(pixelValues));
        }

        long batch = pixelValues.shape[0];
        var patches = _patchEmbedding.call(pixelValues.to(_patchEmbedding.weight!.dtype)).flatten(2).transpose(1, 2);
        var classToken = _classEmbedding.expand(batch, 1, -1);
        var positions = arange(_config.PositionCount, dtype: ScalarType.Int64, device: pixelValues.device).unsqueeze(0);
        return cat(new[] { classToken, patches }, 1) + _positionEmbedding.call(positions);
    }
}
