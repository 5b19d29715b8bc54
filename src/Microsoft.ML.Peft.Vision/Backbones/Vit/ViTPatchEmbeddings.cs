// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>Pixel values <c>[N, C, H, W]</c> to patch embeddings <c>[N, patches, hidden]</c>, row by row: <c>projection</c>.</summary>
internal sealed class ViTPatchEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "projection")]
    private readonly Conv2d _projection;

    internal ViTPatchEmbeddings(ViTConfig config)
        : base(nameof(ViTPatchEmbeddings))
    {
        // Through ScopedModules: TorchSharp's nn.Conv2d leaves a temporary of its initialisation alive.
        _projection = ScopedModules.Conv2d(config.NumChannels, config.HiddenSize, config.PatchSize, stride: config.PatchSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixelValues) => _projection.call(pixelValues).flatten(2).transpose(1, 2);
}
