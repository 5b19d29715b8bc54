// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods;

/// <summary>Initializations that several methods take from PyTorch's defaults, spelled out as PEFT relies on them.</summary>
internal static class AdapterInitialization
{
    /// <summary>
    /// Kaiming-uniform with a = √5 on a (fan_out, fan_in) matrix: gain √(2/(1+a²)) = √(1/3), bound = gain·√(3/fan_in)
    /// = 1/√fan_in. Spelled out rather than left to a library default, since it fixes the adapters' starting point.
    /// </summary>
    internal static void KaimingUniformSqrt5(Tensor weight)
    {
        double bound = 1.0 / Math.Sqrt(weight.shape[1]);
        using var noGrad = no_grad();
        weight.uniform_(-bound, bound);
    }
}
