// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary><c>attention</c> (multi-head self-attention) followed by <c>output.dense</c> and dropout; the residual is the layer's.</summary>
internal sealed class ViTAttention : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly ViTSelfAttention _attention;
    [ComponentName(Name = "output")]
    private readonly ViTDense _output;
    private readonly double _dropout;

    internal ViTAttention(ViTConfig config)
        : base(nameof(ViTAttention))
    {
        _attention = new ViTSelfAttention(config);
        _output = new ViTDense(config.HiddenSize, config.HiddenSize);
        _dropout = config.HiddenDropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden) =>
        nn.functional.dropout(_output.call(_attention.call(hidden)), _dropout, training);
}
