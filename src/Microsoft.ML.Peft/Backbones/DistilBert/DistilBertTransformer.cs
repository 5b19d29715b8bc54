// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>DistilBERT's <c>Transformer</c>: the stack of blocks, named <c>layer.N</c>.</summary>
internal sealed class DistilBertTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<DistilBertBlock> _layer;

    internal DistilBertTransformer(DistilBertConfig config)
        : base(nameof(DistilBertTransformer))
    {
        _layer = nn.ModuleList(Enumerable.Range(0, config.NLayers).Select(_ => new DistilBertBlock(config)).ToArray());
        RegisterComponents();
    }

    // In a scope of its own, so each layer's output is freed when the stack returns rather than when the step ends.
    public override Tensor forward(Tensor hidden, Tensor additiveMask) => ScopedForward.Run(() =>
    {
        var output = hidden;
        foreach (var block in _layer)
        {
            output = block.call(output, additiveMask);
        }

        return output;
    });
}
