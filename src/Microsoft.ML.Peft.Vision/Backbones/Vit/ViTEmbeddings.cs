// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>
/// The class token, the patch embeddings (a convolution with kernel and stride <c>patch_size</c>) and the learned position
/// embeddings, then dropout: <c>embeddings.cls_token</c>, <c>embeddings.position_embeddings</c>, <c>embeddings.patch_embeddings.projection</c>.
/// </summary>
internal sealed class ViTEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "cls_token")]
    private readonly Parameter _classToken;
    [ComponentName(Name = "position_embeddings")]
    private readonly Parameter _positionEmbeddings;
    [ComponentName(Name = "patch_embeddings")]
    private readonly ViTPatchEmbeddings _patchEmbeddings;
    private readonly double _dropout;

    internal ViTEmbeddings(ViTConfig config)
        : base(nameof(ViTEmbeddings))
    {
        // Hugging Face's _init_weights: truncated normal, standard deviation initializer_range (0.02).
        _classToken = nn.Parameter(nn.init.trunc_normal_(empty(1, 1, config.HiddenSize), std: 0.02));
        _positionEmbeddings = nn.Parameter(nn.init.trunc_normal_(empty(1, config.PatchCount + 1, config.HiddenSize), std: 0.02));
        _patchEmbeddings = new ViTPatchEmbeddings(config);
        _dropout = config.HiddenDropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixelValues)
    {
        var patches = _patchEmbeddings.call(pixelValues);
        var tokens = cat(new[] { _classToken.expand(patches.shape[0], -1, -1), patches }, dim: 1) + _positionEmbeddings;
        return nn.functional.dropout(tokens, _dropout, training);
    }
}
