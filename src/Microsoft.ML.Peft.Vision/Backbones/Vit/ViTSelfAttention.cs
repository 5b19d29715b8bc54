// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
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

    public override Tensor forward(Tensor hidden) =>
        MultiHeadAttention.Attend(_query.call(hidden), _key.call(hidden), _value.call(hidden), _heads, additiveMask: null, _dropout, training);
}
