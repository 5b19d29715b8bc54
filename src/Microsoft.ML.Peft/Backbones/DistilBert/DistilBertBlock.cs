// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>
/// DistilBERT's <c>TransformerBlock</c>: <c>attention</c>, <c>sa_layer_norm</c>(attention + input), <c>ffn</c>,
/// <c>output_layer_norm</c>(ffn + its input). Unlike BERT, no dropout follows the attention's output projection.
/// </summary>
internal sealed class DistilBertBlock : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly DistilBertSelfAttention _attention;
    [ComponentName(Name = "sa_layer_norm")]
    private readonly LayerNorm _saLayerNorm;
    [ComponentName(Name = "ffn")]
    private readonly DistilBertFeedForward _ffn;
    [ComponentName(Name = "output_layer_norm")]
    private readonly LayerNorm _outputLayerNorm;

    internal DistilBertBlock(DistilBertConfig config)
        : base(nameof(DistilBertBlock))
    {
        _attention = new DistilBertSelfAttention(config);
        _saLayerNorm = nn.LayerNorm(config.Dim, DistilBertConfig.LayerNormEps);
        _ffn = new DistilBertFeedForward(config);
        _outputLayerNorm = nn.LayerNorm(config.Dim, DistilBertConfig.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="hidden">(batch, time, dim).</param>
    /// <param name="additiveMask">(batch, 1, 1, time): 0 for tokens, the dtype's minimum for padding.</param>
    public override Tensor forward(Tensor hidden, Tensor additiveMask) => ScopedForward.Run(() =>
    {
        var attended = _saLayerNorm.call(_attention.call(hidden, additiveMask) + hidden);
        return _outputLayerNorm.call(_ffn.call(attended) + attended);
    });
}
