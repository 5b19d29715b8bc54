// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>The stack of layers named as Hugging Face's <c>CLIPEncoder</c>: <c>layers.N</c>.</summary>
internal sealed class ClipEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
    [ComponentName(Name = "layers")]
    private readonly ModuleList<ClipEncoderLayer> _layers;

    internal ClipEncoder(ClipEncoderConfig config)
        : base(nameof(ClipEncoder))
    {
        _layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <param name="hidden">(batch, time, hidden).</param>
    /// <param name="additiveMask">(batch, 1, time, time) added to every layer's scores, or null.</param>
    // In a scope of its own, so each layer's output is freed when the stack returns rather than when the step ends.
    public override Tensor forward(Tensor hidden, Tensor? additiveMask) => ScopedForward.Run(() =>
    {
        var output = hidden;
        foreach (var layer in _layers)
        {
            output = layer.call(output, additiveMask);
        }

        return output;
    });
}
