// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>How one LoRA variant computes, merges and unmerges on a linear target (PEFT's LoraVariant).</summary>
internal interface ILoraLinearVariant
{
    Tensor Forward(LoraLinear layer, string adapter, Tensor x, Tensor result, bool training);

    (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias);

    void Unmerge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState);
}

/// <summary>Plain LoRA and rsLoRA: y += s·B(A(dropout(x))); ΔW = s·B·A, and s·b_B on the bias with lora_bias.</summary>
internal sealed class PlainLoraLinearVariant : ILoraLinearVariant
{
    internal static readonly PlainLoraLinearVariant Instance = new();

    public Tensor Forward(LoraLinear layer, string adapter, Tensor x, Tensor result, bool training)
    {
        var settings = layer.Settings(adapter);
        var dropped = training && settings.Dropout > 0 ? nn.functional.dropout(x, settings.Dropout, training: true) : x;
        // One fused add with the scale as alpha; the scalar is held until the call returns, because TorchSharp 0.107 can
        // finalize a temporary Scalar while the native call is still reading it.
        using var scale = settings.Scaling.ToScalar();
        return result.add(layer.B(adapter).forward(layer.A(adapter).forward(dropped)), scale);
    }

    public (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias)
    {
        var settings = layer.Settings(adapter);
        var merged = weight + Delta(layer, adapter, weight.dtype);
        var mergedBias = settings.UseLoraBias ? bias! + layer.B(adapter).bias!.to(bias!.dtype) * settings.Scaling : bias;
        return (merged, mergedBias, null);
    }

    public void Unmerge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState)
    {
        var settings = layer.Settings(adapter);
        var type = Adapters.TunerLayer.ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - Delta(layer, adapter, type));
        if (settings.UseLoraBias)
        {
            bias!.copy_(bias.to(type) - layer.B(adapter).bias!.to(type) * settings.Scaling);
        }
    }

    internal static Tensor Delta(LoraLinear layer, string adapter, ScalarType type) =>
        layer.B(adapter).weight.to(type).matmul(layer.A(adapter).weight.to(type)) * layer.Settings(adapter).Scaling;
}

/// <summary>
/// DoRA: with g = m / ‖W + s·B·A‖ (row norm, B·A and the norm detached as the DoRA paper §4.3 advises),
/// y = base(x) + (g − 1)⊙(x·Wᵀ) + g⊙s·B(A(x')). The merge writes diag(g)·(W + ΔW) and keeps the norm for unmerge.
/// </summary>
internal sealed class DoraLinearVariant : ILoraLinearVariant
{
    internal static readonly DoraLinearVariant Instance = new();

    public Tensor Forward(LoraLinear layer, string adapter, Tensor x, Tensor result, bool training)
    {
        var settings = layer.Settings(adapter);
        var a = layer.A(adapter);
        var b = layer.B(adapter);
        var weight = layer.BaseWeight.to(x.dtype);
        var loraWeight = b.weight.matmul(a.weight).detach();
        var norm = LoraLinear.RowNorm(weight + settings.Scaling * loraWeight).detach();
        var scale = (layer.Magnitude(adapter) / norm).view(1, -1);

        Tensor baseResult;
        var input = x;
        if (training && settings.Dropout > 0)
        {
            // With dropout active the rescaled base term uses the dropped input, as in PEFT.
            input = nn.functional.dropout(x, settings.Dropout, training: true);
            baseResult = nn.functional.linear(input, weight);
        }
        else
        {
            var bias = layer.BaseBias;
            baseResult = bias is null ? result : result - bias;
        }

        var loraResult = b.forward(a.forward(input));
        return result + (scale - 1) * baseResult + scale * loraResult * settings.Scaling;
    }

    public (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) Merge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias)
    {
        var combined = weight + PlainLoraLinearVariant.Delta(layer, adapter, weight.dtype);
        var norm = LoraLinear.RowNorm(combined).detach();
        var factor = (layer.Magnitude(adapter).to(weight.dtype) / norm).view(-1, 1);
        return (factor * combined, bias, norm);
    }

    public void Unmerge(LoraLinear layer, string adapter, Tensor weight, Tensor? bias, Tensor? unmergeState)
    {
        if (unmergeState is null)
        {
            throw new InvalidOperationException($"The DoRA weight norm of adapter '{adapter}' on '{layer.ModulePath}' was not kept; cannot unmerge.");
        }

        var type = Adapters.TunerLayer.ComputeType(weight.dtype);
        var factor = (layer.Magnitude(adapter).to(type) / unmergeState.to(type)).view(-1, 1);
        weight.copy_(weight.to(type) / factor - PlainLoraLinearVariant.Delta(layer, adapter, type));
    }
}
