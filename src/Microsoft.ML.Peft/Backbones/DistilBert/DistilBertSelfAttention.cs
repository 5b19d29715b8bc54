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
    /// <param name="padding">(batch, 1, 1, time): true where the key is padding.</param>
    public override Tensor forward(Tensor hidden, Tensor padding)
    {
        long batch = hidden.shape[0];
        long time = hidden.shape[1];
        long headSize = hidden.shape[2] / _heads;
        Tensor Split(Tensor x) => x.view(batch, time, _heads, headSize).transpose(1, 2);

        // As Hugging Face: the query is scaled before the product, and padded keys are overwritten with the dtype's minimum.
        var query = Split(_qLin.call(hidden)) / Math.Sqrt(headSize);
        var scores = query.matmul(Split(_kLin.call(hidden)).transpose(2, 3));
        scores = scores.masked_fill(padding, torch.finfo(scores.dtype).min);
        var weights = nn.functional.dropout(scores.softmax(-1), _dropout, training);
        var context = weights.matmul(Split(_vLin.call(hidden))).transpose(1, 2).reshape(batch, time, -1);
        return _outLin.call(context);
    }
}
