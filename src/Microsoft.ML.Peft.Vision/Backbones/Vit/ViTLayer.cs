// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>
/// One pre-norm ViT layer, named as Hugging Face's classic <c>ViTLayer</c>: <c>layernorm_before</c>,
/// <c>attention.attention.{query,key,value}</c>, <c>attention.output.dense</c>, <c>layernorm_after</c>,
/// <c>intermediate.dense</c>, <c>output.dense</c>. <c>x + attention(layernorm_before(x))</c>, then
/// <c>h + output(act(intermediate(layernorm_after(h))))</c>.
/// </summary>
internal sealed class ViTLayer : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "attention")]
    private readonly ViTAttention _attention;
    [ComponentName(Name = "intermediate")]
    private readonly ViTDense _intermediate;
    [ComponentName(Name = "output")]
    private readonly ViTDense _output;
    [ComponentName(Name = "layernorm_before")]
    private readonly LayerNorm _layerNormBefore;
    [ComponentName(Name = "layernorm_after")]
    private readonly LayerNorm _layerNormAfter;
    private readonly string _activation;
    private readonly double _dropout;

    internal ViTLayer(ViTConfig config)
        : base(nameof(ViTLayer))
    {
        _attention = new ViTAttention(config);
        _intermediate = new ViTDense(config.HiddenSize, config.IntermediateSize);
        _output = new ViTDense(config.IntermediateSize, config.HiddenSize);
        _layerNormBefore = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _layerNormAfter = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _activation = config.HiddenAct;
        _dropout = config.HiddenDropout;
        RegisterComponents();
    }

    /// <param name="hidden">(batch, tokens, hidden).</param>
    public override Tensor forward(Tensor hidden) => ScopedForward.Run(() =>
    {
        var attended = _attention.call(_layerNormBefore.call(hidden)) + hidden;
        var inner = HiddenActivation.Apply(_activation, _intermediate.call(_layerNormAfter.call(attended)));
        return nn.functional.dropout(_output.call(inner), _dropout, training) + attended;
    });
}
