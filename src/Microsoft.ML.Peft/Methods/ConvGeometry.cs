// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods;

/// <summary>
/// The shape of a <see cref="Conv2d"/> target as the convolution methods need it: channels, kernel, and the stride, padding,
/// dilation and groups with which an adapter's own convolution must run so its output lines up with the layer's.
/// </summary>
internal sealed record ConvGeometry(
    string ModulePath,
    long InChannels,
    long OutChannels,
    long[] Kernel,
    long[] Stride,
    long[] Padding,
    long[] Dilation,
    long Groups)
{
    /// <summary>Input channels each output channel sees: <c>in_channels / groups</c>, the weight's second dimension.</summary>
    internal long InChannelsPerGroup => InChannels / Groups;

    /// <summary>kh·kw.</summary>
    internal long KernelArea => Kernel[0] * Kernel[1];

    /// <summary>Whether the kernel is 1×1 (PEFT then drops the effective Conv2d decomposition).</summary>
    internal bool IsPointwise => Kernel[0] == 1 && Kernel[1] == 1;

    /// <summary>
    /// The geometry of <paramref name="conv"/>. Padding modes other than zeros are refused: PEFT runs adapter convolutions with
    /// zero padding of the layer's size, which would not match a reflect/replicate/circular layer, nor its merged weight.
    /// </summary>
    /// <exception cref="NotSupportedException">A padding mode other than zeros, or an asymmetric "same" padding.</exception>
    internal static ConvGeometry Of(string modulePath, Conv2d conv, string method)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
        {
            throw new NotSupportedException(
                $"{method} cannot adapt Conv2d module '{modulePath}': padding_mode {conv.padding_mode} is not supported, only zeros "
                + "(the adapter's convolution pads with zeros, as PEFT's does).");
        }

        var kernel = conv.kernel_size;
        var dilation = conv.dilation;
        return new ConvGeometry(
            modulePath,
            conv.in_channels,
            conv.out_channels,
            kernel.ToArray(),
            conv.stride.ToArray(),
            NumericPadding(modulePath, conv, kernel, dilation, method),
            dilation.ToArray(),
            conv.groups);
    }

    /// <summary><c>conv2d(input, weight)</c> with the layer's stride, padding, dilation and groups, and no bias.</summary>
    internal Tensor Convolve(Tensor input, Tensor weight) =>
        nn.functional.conv2d(input, weight, bias: null, strides: Stride, padding: Padding, dilation: Dilation, groups: Groups);

    // padding="same" (stride 1) pads dilation·(k − 1) in all, split evenly; functional conv2d takes one number per side pair,
    // so an odd total, which PyTorch pads one more on the right, is refused rather than computed differently.
    private static long[] NumericPadding(string modulePath, Conv2d conv, long[] kernel, long[] dilation, string method)
    {
        if (conv.padding is { } padding)
        {
            return padding.ToArray();
        }

        if (conv.padding_type != TorchSharp.Padding.Same)
        {
            return new long[] { 0, 0 };
        }

        var totals = kernel.Select((k, i) => dilation[i] * (k - 1)).ToArray();
        if (totals.Any(t => t % 2 != 0))
        {
            throw new NotSupportedException(
                $"{method} cannot adapt Conv2d module '{modulePath}': padding \"same\" with kernel ({kernel[0]}, {kernel[1]}) and dilation "
                + $"({dilation[0]}, {dilation[1]}) pads unevenly; use an explicit padding.");
        }

        return totals.Select(t => t / 2).ToArray();
    }
}
