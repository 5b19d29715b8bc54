// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.TinyVision;

/// <summary>
/// Pixels (batch, channels, height, width) to hidden states (batch, patches + 1, hidden): a patch convolution, a class token and
/// position embeddings, residual linear layers and a final layer norm. Parameter names are the checkpoint keys, as for every backbone.
/// </summary>
internal sealed class TinyVisionModel : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "patch_embedding")]
    private readonly Conv2d _patchEmbedding;
    [ComponentName(Name = "layer")]
    private readonly ModuleList<Linear> _layer;
    [ComponentName(Name = "layernorm")]
    private readonly LayerNorm _layerNorm;
    [ComponentName(Name = "cls_token")]
    private readonly Parameter _classToken;
    [ComponentName(Name = "position_embeddings")]
    private readonly Parameter _positionEmbeddings;

    internal TinyVisionModel(TinyVisionConfig config)
        : base(nameof(TinyVisionModel))
    {
        _patchEmbedding = nn.Conv2d(config.ChannelCount, config.HiddenSize, config.PatchSize, stride: config.PatchSize);
        _layer = nn.ModuleList(Enumerable.Range(0, config.LayerCount).Select(_ => nn.Linear(config.HiddenSize, config.HiddenSize)).ToArray());
        _layerNorm = nn.LayerNorm(config.HiddenSize);
        _classToken = nn.Parameter(randn(1, 1, config.HiddenSize));
        _positionEmbeddings = nn.Parameter(randn(1, config.PatchCount + 1, config.HiddenSize));
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        var patches = _patchEmbedding.call(pixels).flatten(2).transpose(1, 2);
        var hidden = cat(new[] { _classToken.expand(patches.shape[0], -1, -1), patches }, dim: 1) + _positionEmbeddings;
        foreach (var layer in _layer)
        {
            hidden = hidden + nn.functional.gelu(layer.call(hidden));
        }

        return _layerNorm.call(hidden);
    }
}
