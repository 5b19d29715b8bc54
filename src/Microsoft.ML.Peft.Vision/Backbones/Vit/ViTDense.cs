// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>A projection named <c>dense</c>: <c>attention.output</c>, <c>intermediate</c> and <c>output</c> of a ViT layer.</summary>
internal sealed class ViTDense : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;

    internal ViTDense(int inFeatures, int outFeatures)
        : base(nameof(ViTDense))
    {
        _dense = nn.Linear(inFeatures, outFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _dense.call(input);
}
