// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Image;

/// <summary>
/// A network's BatchNorm layers, with those an adapter adds (LN tuning's copies), kept in evaluation mode while an adapter
/// trains, so their pretrained running statistics are neither updated nor replaced by the statistics of small fine-tuning
/// batches. The layers are found at the first <see cref="Apply"/>, the first training step, after the adapter is added.
/// </summary>
internal sealed class FrozenBatchNorms
{
    private readonly nn.Module _network;
    private BatchNorm2d[]? _layers;

    internal FrozenBatchNorms(nn.Module network) => _network = network;

    /// <summary>Puts the BatchNorm layers back in evaluation mode; called before each training forward, because a training loop switches the whole model to training mode.</summary>
    internal void Apply()
    {
        foreach (var batchNorm in _layers ??= _network.modules().OfType<BatchNorm2d>().ToArray())
        {
            batchNorm.eval();
        }
    }
}
