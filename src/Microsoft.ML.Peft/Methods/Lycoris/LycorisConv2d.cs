// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lycoris;

/// <summary>
/// LoKr and LoHa on a <see cref="Conv2d"/> target: ΔW has the kernel's shape (out, in/groups, kh, kw) and is convolved with the
/// input using the layer's stride, padding, dilation and groups, as PEFT does, so merging ΔW into the kernel is exact.
/// </summary>
internal abstract class LycorisConv2d : LycorisLayer
{
    private readonly Conv2d _baseConv;

    protected LycorisConv2d(string name, string modulePath, Conv2d target, string method)
        : base(name, modulePath, target)
    {
        _baseConv = target;
        Geometry = ConvGeometry.Of(modulePath, target, method);
    }

    internal override Tensor BaseWeight => _baseConv.weight;

    internal override Tensor? BaseBias => _baseConv.bias;

    internal ConvGeometry Geometry { get; }

    protected override Tensor ApplyWeight(Tensor input, Tensor delta) => Geometry.Convolve(input, delta);

    /// <summary>The delta reshaped to the kernel's shape (PEFT's <c>weight.reshape(base_layer.weight.shape)</c>).</summary>
    protected Tensor AsKernel(Tensor delta) =>
        delta.reshape(Geometry.OutChannels, Geometry.InChannelsPerGroup, Geometry.Kernel[0], Geometry.Kernel[1]);

    /// <summary>A trainable tensor of <paramref name="shape"/> on the kernel's device and dtype: zeros, or Kaiming-uniform (a = √5).</summary>
    protected Parameter NewParameter(bool zero, params long[] shape)
    {
        var weight = BaseWeight;
        var value = empty(shape, dtype: weight.dtype, device: weight.device);
        if (zero)
        {
            value.zero_();
        }
        else
        {
            AdapterInitialization.KaimingUniformSqrt5(value);
        }

        return new Parameter(value, requires_grad: true);
    }
}
