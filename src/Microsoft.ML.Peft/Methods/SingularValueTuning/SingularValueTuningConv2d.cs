// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.SingularValueTuning;

/// <summary>
/// Singular-value tuning on a <see cref="Conv2d"/> target: the kernel (out, in, kh, kw) is decomposed as the matrix
/// out × in·kh·kw, so <c>V_kᵀ</c> is k kernels of the layer's own size and <c>U_k</c> a 1×1 convolution back to the output
/// channels: <c>y = base(x) + conv1×1(conv(x, V_kᵀ) ⊙ Δs, U_k)</c>, with the layer's stride, padding and dilation on the
/// first convolution. This is the same update as merging <c>U_k·diag(Δs)·V_kᵀ</c>, reshaped, into the kernel.
/// </summary>
internal sealed class SingularValueTuningConv2d : SingularValueTuningLayer
{
    private readonly Conv2d _baseConv;
    private readonly ConvGeometry _geometry;

    /// <exception cref="NotSupportedException">The convolution is grouped, or pads other than with zeros.</exception>
    internal SingularValueTuningConv2d(string modulePath, Conv2d target)
        : base(nameof(SingularValueTuningConv2d), modulePath, target)
    {
        _geometry = ConvGeometry.Of(modulePath, target, "Singular-value tuning");
        if (_geometry.Groups != 1)
        {
            // A grouped kernel is not one matrix of the layer's map; its SVD would mix the groups.
            throw new NotSupportedException(
                $"Singular-value tuning cannot adapt Conv2d module '{modulePath}': it has groups = {_geometry.Groups}, and only ungrouped convolutions "
                + "are one matrix to decompose. Leave the module out of target_modules.");
        }

        _baseConv = target;
    }

    internal override Tensor BaseWeight => _baseConv.weight;

    internal override Tensor? BaseBias => _baseConv.bias;

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        var kernel = _geometry.Kernel;
        foreach (string adapter in adapters)
        {
            var (u, vh) = Basis(adapter);
            var deltaS = DeltaS(adapter);
            var x = input.dtype == deltaS.dtype ? input : input.to(deltaS.dtype);
            long k = deltaS.shape[0];
            var projected = _geometry.Convolve(x, vh.view(k, _geometry.InChannels, kernel[0], kernel[1]));
            var scaled = projected * deltaS.view(1, k, 1, 1);
            result = result + nn.functional.conv2d(scaled, u.view(_geometry.OutChannels, k, 1, 1));
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }
}
