// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods;

/// <summary>Initializations that several methods take from PyTorch's defaults, spelled out as PEFT relies on them.</summary>
internal static class AdapterInitialization
{
    /// <summary>
    /// Kaiming-uniform with a = √5 on a (fan_out, fan_in) matrix: gain √(2/(1+a²)) = √(1/3), bound = gain·√(3/fan_in)
    /// = 1/√fan_in. Spelled out rather than left to a library default, since it fixes the adapters' starting point.
    /// A convolution kernel (out, in, kh, kw) has fan_in = in·kh·kw, as in PyTorch.
    /// </summary>
    internal static void KaimingUniformSqrt5(Tensor weight)
    {
        long fanIn = weight.shape.Skip(1).Aggregate(1L, (product, size) => product * size);
        double bound = 1.0 / Math.Sqrt(fanIn);
        using var noGrad = no_grad();
        weight.uniform_(-bound, bound);
    }
}
