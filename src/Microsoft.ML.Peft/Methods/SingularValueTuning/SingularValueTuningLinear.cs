// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.SingularValueTuning;

/// <summary>
/// Singular-value tuning on a <see cref="Linear"/> target: <c>y = base(x) + U_k·diag(Δs)·V_kᵀ·x</c> with the thin SVD of
/// the base weight (<see cref="SingularValueTuningLayer"/>).
/// </summary>
internal sealed class SingularValueTuningLinear : SingularValueTuningLayer
{
    private readonly Linear _baseLinear;

    internal SingularValueTuningLinear(string modulePath, Linear target)
        : base(nameof(SingularValueTuningLinear), modulePath, target)
    {
        _baseLinear = target;
    }

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var (u, vh) = Basis(adapter);
            var deltaS = DeltaS(adapter);
            var x = input.dtype == deltaS.dtype ? input : input.to(deltaS.dtype);

            // (x·V_k)⊙Δs·U_kᵀ: two thin products instead of forming the d_out×d_in update.
            result = result + nn.functional.linear(nn.functional.linear(x, vh) * deltaS, u);
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }
}
