// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>Multi-head self-attention over every token (no mask), with separate query, key and value projections.</summary>
internal sealed class ViTSelfAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "query")]
    private readonly Linear _query;
    [ComponentName(Name = "key")]
    private readonly Linear _key;
    [ComponentName(Name = "value")]
    private readonly Linear _value;
    private readonly int _heads;
    private readonly double _dropout;

    internal ViTSelfAttention(ViTConfig config)
        : base(nameof(ViTSelfAttention))
    {
        _query = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        _key = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        _value = nn.Linear(config.HiddenSize, config.HiddenSize, hasBias: config.QkvBias);
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionDropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        long batch = hidden.shape[0];
        long tokens = hidden.shape[1];
        long headSize = hidden.shape[2] / _heads;
        Tensor Split(Tensor x) => x.view(batch, tokens, _heads, headSize).transpose(1, 2);

        var scores = Split(_query.call(hidden)).matmul(Split(_key.call(hidden)).transpose(-1, -2)) * Math.Pow(headSize, -0.5);
        var probabilities = nn.functional.dropout(scores.softmax(-1), _dropout, training);
        return probabilities.matmul(Split(_value.call(hidden))).transpose(1, 2).reshape(batch, tokens, -1);
    }
}
