// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>Multi-head self-attention named as Hugging Face's <c>CLIPAttention</c>: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c>.</summary>
internal sealed class ClipAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "k_proj")]
    private readonly Linear _keyProjection;
    [ComponentName(Name = "v_proj")]
    private readonly Linear _valueProjection;
    [ComponentName(Name = "q_proj")]
    private readonly Linear _queryProjection;
    [ComponentName(Name = "out_proj")]
    private readonly Linear _outputProjection;
    private readonly int _heads;
    private readonly double _dropout;

    internal ClipAttention(ClipEncoderConfig config)
        : base(nameof(ClipAttention))
    {
        _keyProjection = nn.Linear(config.HiddenSize, config.HiddenSize);
        _valueProjection = nn.Linear(config.HiddenSize, config.HiddenSize);
        _queryProjection = nn.Linear(config.HiddenSize, config.HiddenSize);
        _outputProjection = nn.Linear(config.HiddenSize, config.HiddenSize);
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionDropout;
        RegisterComponents();
    }

    /// <param name="hidden">(batch, time, hidden).</param>
    /// <param name="additiveMask">(batch, 1, time, time), added to the scores; null to attend everywhere (the image tower).</param>
    public override Tensor forward(Tensor hidden, Tensor? additiveMask) =>
        _outputProjection.call(MultiHeadAttention.Attend(
            _queryProjection.call(hidden), _keyProjection.call(hidden), _valueProjection.call(hidden), _heads, additiveMask, _dropout, training));
}
