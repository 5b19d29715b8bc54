// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoLdu;

/// <summary>
/// LoLDU on a <see cref="Linear"/> target: the base weight becomes <c>W_res</c> and
/// <c>y = base(x) + σ·P·L_r·diag(z)·U_r·x</c>. The trained tensor is named <c>loldu_diag.{adapter}</c>; P, L_r and U_r
/// are frozen, kept outside the parameters and never saved.
/// </summary>
internal sealed class LoLduLinear : TunerLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterParameterDict _diagonal = new();
    private readonly Dictionary<string, (LoLduDecomposition Factors, double Scaling)> _adapters = new(StringComparer.Ordinal);

    internal LoLduLinear(string modulePath, Linear target)
        : base(nameof(LoLduLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("loldu_diag", _diagonal);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _adapters.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Parameter Diagonal(string adapterName) => _diagonal[adapterName];

    internal LoLduDecomposition Factors(string adapterName) => _adapters[adapterName].Factors;

    internal double Scaling(string adapterName) => _adapters[adapterName].Scaling;

    /// <summary>Factors the current base weight, sets z, and writes <c>W_res = W − σ·P·L_r·diag(z)·U_r</c> into the base.</summary>
    internal void AddAdapter(string adapterName, int rank, double scaling, LoLduInitialization initialization)
    {
        if (_adapters.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        var weight = BaseWeight;
        long fullRank = Math.Min(weight.shape[0], weight.shape[1]);
        if (rank > fullRank)
        {
            throw new InvalidOperationException(
                $"`{nameof(LoLduConfig.Rank)}` = {rank} exceeds min(d_out, d_in) = {fullRank} of '{ModulePath}'; lower `{nameof(LoLduConfig.Rank)}`.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var factors = LoLduDecomposition.Factor(weight, rank);
        var z = initialization switch
        {
            LoLduInitialization.Lu => factors.Pivots.clone(),
            LoLduInitialization.Ones => ones(rank, dtype: ScalarType.Float32, device: weight.device),
            LoLduInitialization.Zeros => zeros(rank, dtype: ScalarType.Float32, device: weight.device),
            _ => throw new NotSupportedException($"LoLDU initialization {initialization} is not supported."),
        };
        var residual = weight.detach().to(ScalarType.Float32) - factors.Product(z, scaling, ScalarType.Float32);
        weight.copy_(residual.to(weight.dtype));

        var stored = new LoLduDecomposition(
            factors.Permutation,
            factors.Lower.to(weight.dtype),
            factors.Pivots,
            factors.Upper.to(weight.dtype)).Detached();
        _adapters[adapterName] = (stored, scaling);
        _diagonal.Add(adapterName, new Parameter(z.to(weight.dtype).detach().clone(), requires_grad: true));
    }

    /// <remarks>As with PiSSA, the base keeps <c>W_res</c>: deleting the adapter does not restore the original weight.</remarks>
    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_adapters.Remove(adapterName, out var adapter))
        {
            _diagonal.Remove(adapterName);
            adapter.Factors.Dispose();
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        return Delta(adapterName, ComputeType(BaseWeight.dtype)).to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    internal override void MoveState(Device device)
    {
        base.MoveState(device);
        foreach (string adapter in _adapters.Keys.ToList())
        {
            var (factors, scaling) = _adapters[adapter];
            _adapters[adapter] = (factors.MoveTo(device), scaling);
        }
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var (factors, scaling) = _adapters[adapter];
            var z = Diagonal(adapter);
            var x = input.dtype == z.dtype ? input : input.to(z.dtype);

            // x·U_rᵀ⊙z·L_rᵀ gives (L_r·diag(z)·U_r·x) in LU row order; P moves row π(i) to output i.
            var update = nn.functional.linear(nn.functional.linear(x, factors.Upper) * z, factors.Lower);
            result = result + update.index_select(-1, factors.Permutation) * scaling;
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        (weight + Delta(adapterName, weight.dtype), bias, null);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var type = ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - Delta(adapterName, type));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var (factors, _) in _adapters.Values)
            {
                factors.Dispose();
            }

            _adapters.Clear();
        }

        base.Dispose(disposing);
    }

    private Tensor Delta(string adapterName, ScalarType type)
    {
        var (factors, scaling) = _adapters[adapterName];
        return factors.Product(Diagonal(adapterName), scaling, type);
    }
}
