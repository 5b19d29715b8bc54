// Licensed under the MIT license. See LICENSE in the repository root.

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
    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        long batch = hidden.shape[0];
        long time = hidden.shape[1];
        long headSize = hidden.shape[2] / _heads;
        Tensor Split(Tensor x) => x.view(batch, time, _heads, headSize).transpose(1, 2);

        var scores = Split(_queryProjection.call(hidden)).matmul(Split(_keyProjection.call(hidden)).transpose(-1, -2)) * Math.Pow(headSize, -0.5);
        if (additiveMask is not null)
        {
            scores = scores + additiveMask;
        }

        // Softmax in float32 whatever the weights' type, as Hugging Face's eager attention.
        var probabilities = nn.functional.dropout(scores.softmax(-1, ScalarType.Float32).to(hidden.dtype), _dropout, training);
        var attended = probabilities.matmul(Split(_valueProjection.call(hidden))).transpose(1, 2).reshape(batch, time, -1);
        return _outputProjection.call(attended);
    }
}
