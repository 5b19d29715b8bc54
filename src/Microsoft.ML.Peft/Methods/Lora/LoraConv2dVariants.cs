// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>How one LoRA variant computes, merges and unmerges on a Conv2d target (PEFT's LoraVariant for convolutions).</summary>
internal interface ILoraConv2dVariant
{
    Tensor Forward(LoraConv2d layer, string adapter, Tensor x, Tensor result, bool training);

    (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias);

    void Unmerge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState);
}

/// <summary>Plain LoRA and rsLoRA on a convolution: y += s·B(A(dropout(x))); ΔW = s·B·A, and s·b_B on the bias with lora_bias.</summary>
internal sealed class PlainLoraConv2dVariant : ILoraConv2dVariant
{
    internal static readonly PlainLoraConv2dVariant Instance = new();

    public Tensor Forward(LoraConv2d layer, string adapter, Tensor x, Tensor result, bool training)
    {
        var settings = layer.Settings(adapter);
        var dropped = training && settings.Dropout > 0 ? nn.functional.dropout(x, settings.Dropout, training: true) : x;
        return result + layer.B(adapter).forward(layer.A(adapter).forward(dropped)) * settings.Scaling;
    }

    public (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias)
    {
        var settings = layer.Settings(adapter);
        var merged = weight + layer.Delta(adapter, weight.dtype);
        var mergedBias = settings.UseLoraBias ? bias! + layer.B(adapter).bias!.to(bias!.dtype) * settings.Scaling : bias;
        return (merged, mergedBias, null);
    }

    public void Unmerge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState)
    {
        var settings = layer.Settings(adapter);
        var type = Adapters.TunerLayer.ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - layer.Delta(adapter, type));
        if (settings.UseLoraBias)
        {
            bias!.copy_(bias.to(type) - layer.B(adapter).bias!.to(type) * settings.Scaling);
        }
    }
}

/// <summary>
/// DoRA on a convolution: with g = m / ‖W + s·ΔW‖ per output channel (1×out×1×1, ΔW and the norm detached),
/// y = base(x) + (g − 1)⊙conv(x, W) + g⊙s·B(A(x')). The merge writes g·(W + ΔW) per output channel and keeps the norm for unmerge.
/// </summary>
internal sealed class DoraConv2dVariant : ILoraConv2dVariant
{
    internal static readonly DoraConv2dVariant Instance = new();

    public Tensor Forward(LoraConv2d layer, string adapter, Tensor x, Tensor result, bool training)
    {
        var settings = layer.Settings(adapter);
        var weight = layer.BaseWeight.to(x.dtype);
        var delta = layer.B(adapter).weight.flatten(1).matmul(layer.A(adapter).weight.flatten(1)).view(weight.shape).detach();
        var norm = LoraConv2d.ChannelNorm(weight + settings.Scaling * delta).detach();
        var scale = layer.Magnitude(adapter) / norm;

        Tensor baseResult;
        var input = x;
        if (training && settings.Dropout > 0)
        {
            // With dropout active the rescaled base term uses the dropped input, as in PEFT.
            input = nn.functional.dropout(x, settings.Dropout, training: true);
            baseResult = layer.Geometry.Convolve(input, weight);
        }
        else
        {
            var bias = layer.BaseBias;
            baseResult = bias is null ? result : result - bias.view(1, -1, 1, 1);
        }

        var loraResult = layer.B(adapter).forward(layer.A(adapter).forward(input));
        return result + (scale - 1) * baseResult + scale * loraResult * settings.Scaling;
    }

    public (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias)
    {
        var combined = weight + layer.Delta(adapter, weight.dtype);
        var norm = LoraConv2d.ChannelNorm(combined).detach();
        var factor = (layer.Magnitude(adapter).to(weight.dtype) / norm).view(-1, 1, 1, 1);
        return (factor * combined, bias, norm);
    }

    public void Unmerge(LoraConv2d layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState)
    {
        if (unmergeState is null)
        {
            throw new InvalidOperationException($"The DoRA weight norm of adapter '{adapter}' on '{layer.ModulePath}' was not kept; cannot unmerge.");
        }

        var type = Adapters.TunerLayer.ComputeType(weight.dtype);
        var factor = (layer.Magnitude(adapter).to(type) / unmergeState.to(type)).view(-1, 1, 1, 1);
        weight.copy_(weight.to(type) / factor - layer.Delta(adapter, type));
    }
}
