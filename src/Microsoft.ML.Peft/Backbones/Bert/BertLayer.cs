// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>One BERT layer, named as Hugging Face's <c>BertLayer</c>: attention.self.{query,key,value}, attention.output, intermediate, output.</summary>
internal sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly BertAttention _attention;
    [ComponentName(Name = "intermediate")]
    private readonly BertDense _intermediate;
    [ComponentName(Name = "output")]
    private readonly BertResidual _output;
    private readonly string _activation;

    internal BertLayer(BertConfig config)
        : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertDense(config.HiddenSize, config.IntermediateSize);
        _output = new BertResidual(config.IntermediateSize, config.HiddenSize, config);
        _activation = config.HiddenAct;
        RegisterComponents();
    }

    /// <param name="hidden">(batch, time, hidden).</param>
    /// <param name="additiveMask">(batch, 1, 1, time): 0 for tokens, a large negative number for padding.</param>
    public override Tensor forward(Tensor hidden, Tensor additiveMask) => ScopedForward.Run(() =>
    {
        var attended = _attention.call(hidden, additiveMask);
        var inner = _intermediate.call(attended);
        return _output.call(HiddenActivation.Apply(_activation, inner), attended);
    });
}

/// <summary>attention.self (scaled dot-product, multi-head) followed by attention.output (dense, residual, LayerNorm).</summary>
internal sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "self")]
    private readonly BertSelfAttention _self;
    [ComponentName(Name = "output")]
    private readonly BertResidual _output;

    internal BertAttention(BertConfig config)
        : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertResidual(config.HiddenSize, config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask) => _output.call(_self.call(hidden, additiveMask), hidden);
}

/// <summary>Multi-head self-attention with separate query, key and value projections.</summary>
internal sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "query")]
    private readonly Linear _query;
    [ComponentName(Name = "key")]
    private readonly Linear _key;
    [ComponentName(Name = "value")]
    private readonly Linear _value;
    private readonly int _heads;
    private readonly double _dropout;

    internal BertSelfAttention(BertConfig config)
        : base(nameof(BertSelfAttention))
    {
        _query = nn.Linear(config.HiddenSize, config.HiddenSize);
        _key = nn.Linear(config.HiddenSize, config.HiddenSize);
        _value = nn.Linear(config.HiddenSize, config.HiddenSize);
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionDropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor additiveMask) =>
        MultiHeadAttention.Attend(_query.call(hidden), _key.call(hidden), _value.call(hidden), _heads, additiveMask, _dropout, training);
}

/// <summary>A dense projection named <c>dense</c> (BertIntermediate, BertPooler).</summary>
internal sealed class BertDense : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;

    internal BertDense(int inFeatures, int outFeatures)
        : base(nameof(BertDense))
    {
        _dense = nn.Linear(inFeatures, outFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _dense.call(input);
}

/// <summary><c>LayerNorm(dropout(dense(x)) + residual)</c>: BertSelfOutput and BertOutput.</summary>
internal sealed class BertResidual : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;

    internal BertResidual(int inFeatures, int outFeatures, BertConfig config)
        : base(nameof(BertResidual))
    {
        _dense = nn.Linear(inFeatures, outFeatures);
        _layerNorm = nn.LayerNorm(outFeatures, config.LayerNormEps);
        _dropout = config.HiddenDropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, Tensor residual) =>
        _layerNorm.call(nn.functional.dropout(_dense.call(input), _dropout, training) + residual);
}
