// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.SingularValueTuning;

/// <summary>
/// What singular-value tuning does on any weight it can see as a matrix (d_out × d_in; a convolution's kernel flattened to
/// out × in·kh·kw): the thin SVD <c>W = U·diag(s)·Vᵀ</c> (float32) taken when the adapter is added, the trained change
/// <c>Δs</c> of the top k singular values (<c>svd_delta_s.{adapter}</c>), merge and unmerge. U_k and V_kᵀ are frozen, kept
/// outside the parameters and never saved. A subclass supplies only how the update runs in its layer's forward.
/// </summary>
internal abstract class SingularValueTuningLayer : TunerLayer
{
    private readonly AdapterParameterDict _deltaS = new();
    private readonly Dictionary<string, (Tensor U, Tensor Vh)> _bases = new(StringComparer.Ordinal);

    protected SingularValueTuningLayer(string name, string modulePath, nn.Module<Tensor, Tensor> target)
        : base(name, modulePath, target)
    {
        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("svd_delta_s", _deltaS);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _bases.Keys;

    internal Parameter DeltaS(string adapterName) => _deltaS[adapterName];

    /// <summary>The frozen left singular vectors U_k (d_out×k) and right ones V_kᵀ (k×d_in) of an adapter.</summary>
    internal (Tensor U, Tensor Vh) Basis(string adapterName) => _bases[adapterName];

    /// <summary>Decomposes the current base weight and adds Δs = 0 for its top k singular values.</summary>
    internal void AddAdapter(string adapterName, double rankRatio)
    {
        if (_bases.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weight = BaseWeight;
        var matrix = weight.detach().reshape(weight.shape[0], -1);
        var (u, _, vh) = linalg.svd(matrix.to(ScalarType.Float32), fullMatrices: false);
        int k = SingularValueTuningConfig.TrainedRank(Math.Min(matrix.shape[0], matrix.shape[1]), rankRatio);
        var left = u.narrow(1, 0, k).to(weight.dtype).contiguous().DetachFromDisposeScope();
        var right = vh.narrow(0, 0, k).to(weight.dtype).contiguous().DetachFromDisposeScope();
        _bases[adapterName] = (left, right);
        _deltaS.Add(adapterName, new Parameter(zeros(k, dtype: weight.dtype, device: weight.device), requires_grad: true));
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_bases.Remove(adapterName, out var basis))
        {
            _deltaS.Remove(adapterName);
            basis.U.Dispose();
            basis.Vh.Dispose();
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
        foreach (string adapter in _bases.Keys.ToList())
        {
            var (u, vh) = _bases[adapter];
            _bases[adapter] = (StoredTensors.MoveTo(u, device), StoredTensors.MoveTo(vh, device));
        }
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
            foreach (var (u, vh) in _bases.Values)
            {
                u.Dispose();
                vh.Dispose();
            }

            _bases.Clear();
        }

        base.Dispose(disposing);
    }

    /// <summary>U_k·diag(Δs)·V_kᵀ in <paramref name="type"/>, in the base weight's shape.</summary>
    private Tensor Delta(string adapterName, ScalarType type)
    {
        var (u, vh) = _bases[adapterName];
        return (u.to(type) * DeltaS(adapterName).to(type)).matmul(vh.to(type)).view(BaseWeight.shape);
    }
}
