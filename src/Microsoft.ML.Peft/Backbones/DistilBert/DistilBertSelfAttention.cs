// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>DistilBERT's <c>MultiHeadSelfAttention</c>: <c>q_lin</c>, <c>k_lin</c>, <c>v_lin</c> and <c>out_lin</c>.</summary>
internal sealed class DistilBertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "q_lin")]
    private readonly Linear _qLin;
    [ComponentName(Name = "k_lin")]
    private readonly Linear _kLin;
    [ComponentName(Name = "v_lin")]
    private readonly Linear _vLin;
    [ComponentName(Name = "out_lin")]
    private readonly Linear _outLin;
    private readonly int _heads;
    private readonly double _dropout;

    internal DistilBertSelfAttention(DistilBertConfig config)
        : base(nameof(DistilBertSelfAttention))
    {
        _qLin = nn.Linear(config.Dim, config.Dim);
        _kLin = nn.Linear(config.Dim, config.Dim);
        _vLin = nn.Linear(config.Dim, config.Dim);
        _outLin = nn.Linear(config.Dim, config.Dim);
        _heads = config.NHeads;
        _dropout = config.AttentionDropout;
        RegisterComponents();
    }

    /// <param name="hidden">(batch, time, dim).</param>
    /// <param name="additiveMask">(batch, 1, 1, time): 0 for tokens, the dtype's minimum for padding.</param>
    public override Tensor forward(Tensor hidden, Tensor additiveMask) =>
        _outLin.call(MultiHeadAttention.Attend(_qLin.call(hidden), _kLin.call(hidden), _vLin.call(hidden), _heads, additiveMask, _dropout, training));
}
