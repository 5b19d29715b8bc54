// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// One pre-norm transformer layer named as Hugging Face's <c>CLIPEncoderLayer</c>:
/// <c>x + self_attn(layer_norm1(x))</c>, then <c>x + mlp(layer_norm2(x))</c>.
/// </summary>
internal sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "self_attn")]
    private readonly ClipAttention _selfAttention;
    [ComponentName(Name = "layer_norm1")]
    private readonly LayerNorm _layerNorm1;
    [ComponentName(Name = "mlp")]
    private readonly ClipMlp _mlp;
    [ComponentName(Name = "layer_norm2")]
    private readonly LayerNorm _layerNorm2;

    internal ClipEncoderLayer(ClipEncoderConfig config)
        : base(nameof(ClipEncoderLayer))
    {
        _selfAttention = new ClipAttention(config);
        _layerNorm1 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _mlp = new ClipMlp(config);
        _layerNorm2 = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor hidden, Tensor? additiveMask) => ScopedForward.Run(() =>
    {
        var attended = hidden + _selfAttention.call(_layerNorm1.call(hidden), additiveMask);
        return attended + _mlp.call(_layerNorm2.call(attended));
    });
}
