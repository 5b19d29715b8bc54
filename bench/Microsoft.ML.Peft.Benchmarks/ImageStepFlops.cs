// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Matmul and convolution FLOPs of one image-classifier training step, counted from the shapes every Conv2d and Linear
/// sees in one forward pass (a multiply-add is 2 FLOPs).
/// </summary>
/// <remarks>
/// <code>
/// Conv2d forward   2 · (C_in / groups) · k_h · k_w · C_out · H_out · W_out   per image
/// Linear forward   2 · in · out                                            per row it is applied to
/// attention        2 · (2 · S² · H)  per layer and image (ViT: Q·Kᵀ and P·V, S tokens, hidden H)
/// step             forward + backward, backward = input gradients of every layer (≈ forward) + weight gradients of the
///                  layers that train (≈ their forward) + 2 · attention, as for the text step (see StepFlops)
/// </code>
/// Not counted: BatchNorm, LayerNorm, ReLU/GELU, pooling, residual additions, softmax and the optimizer update
/// (memory-bound element-wise work), so the achieved GFLOP/s is useful convolution and matmul work per second. The first
/// convolution needs no input gradient; the count includes it (under 2 % of a ResNet-18 step).
/// </remarks>
internal static class ImageStepFlops
{
    /// <param name="network">The classifier, with its adapter injected when it trains one.</param>
    /// <param name="pixels">One batch of pixels, as the step sees it.</param>
    /// <param name="attentionFlops">The attention matmuls' forward FLOPs of the batch (0 for a CNN).</param>
    /// <param name="trains">Whether a Conv2d or Linear (by its full name) gets weight gradients.</param>
    internal static (double Forward, double Step) Training(nn.Module<Tensor, Tensor> network, Tensor pixels, double attentionFlops, Func<string, bool> trains)
    {
        var perModule = new Dictionary<string, double>();
        var removers = new List<Action>();
        foreach (var (name, module) in network.named_modules())
        {
            string key = name;
            switch (module)
            {
                case Conv2d conv:
                    removers.Add(conv.register_forward_hook((m, input, output) =>
                    {
                        var weight = conv.weight!.shape;
                        perModule[key] = perModule.GetValueOrDefault(key) + 2.0 * weight[1] * weight[2] * weight[3] * output.shape[1] * output.shape[0] * output.shape[2] * output.shape[3];
                        return output;
                    }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((m, input, output) =>
                    {
                        var weight = linear.weight!.shape;
                        perModule[key] = perModule.GetValueOrDefault(key) + 2.0 * weight[0] * weight[1] * (output.numel() / output.shape[^1]);
                        return output;
                    }).remove);
                    break;
            }
        }

        using (no_grad())
        using (NewDisposeScope())
        {
            network.call(pixels);
        }

        foreach (var remove in removers)
        {
            remove();
        }

        double counted = perModule.Values.Sum();
        double trainable = perModule.Where(p => trains(p.Key)).Sum(p => p.Value);
        double forward = counted + attentionFlops;
        double backward = counted + 2 * attentionFlops + trainable;
        return (forward, forward + backward);
    }
}
