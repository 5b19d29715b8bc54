// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>The stack of layers, named <c>layer.N</c> (the encoder's <c>encoder.layer.N</c>).</summary>
internal sealed class ViTLayerStack : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<ViTLayer> _layer;

    internal ViTLayerStack(ViTConfig config)
        : base(nameof(ViTLayerStack))
    {
        _layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ViTLayer(config)).ToArray());
        RegisterComponents();
    }

    // In a scope of its own, so each layer's output is freed when the stack returns rather than when the step ends.
    public override Tensor forward(Tensor hidden) => ScopedForward.Run(() =>
    {
        var output = hidden;
        foreach (var layer in _layer)
        {
            output = layer.call(output);
        }

        return output;
    });

    /// <summary>The outputs of the layers numbered in <paramref name="taps"/> (0-based, ascending), running no layer after the last of them.</summary>
    internal IReadOnlyList<Tensor> Outputs(Tensor hidden, IReadOnlyList<int> taps)
    {
        using var scope = NewDisposeScope();
        var outputs = new List<Tensor>();
        var output = hidden;
        for (int i = 0; i <= taps[^1]; i++)
        {
            output = _layer[i].call(output);
            if (taps.Contains(i))
            {
                outputs.Add(output);
            }
        }

        return outputs.Select(o => o.MoveToOuterDisposeScope()).ToList();
    }
}
