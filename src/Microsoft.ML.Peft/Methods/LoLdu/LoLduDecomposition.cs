// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoLdu;

/// <summary>
/// The frozen part of a LoLDU adapter: the row permutation of <c>P</c> as an index vector (the reference stores the
/// dense d_out×d_out matrix), <c>L_r</c> (d_out×r, unit lower triangular) and <c>U_r</c> (r×d_in, unit diagonal),
/// plus the pivots <c>D[:r]</c>.
/// </summary>
internal sealed record LoLduDecomposition(Tensor Permutation, Tensor Lower, Tensor Pivots, Tensor Upper) : IDisposable
{
    /// <summary>Pivots smaller than this fraction of the largest one are replaced by it when U is normalized.</summary>
    internal const double PivotFloor = 1e-6;

    /// <summary>
    /// <c>W = P·L·U</c> (LU with partial pivoting, float32), <c>D = diag(U)</c>, <c>U₁ = U / D</c> row-wise. A pivot
    /// near 0 would blow U₁ up, so the divisor is kept at least <see cref="PivotFloor"/> × max|D| in magnitude; the
    /// factors then differ slightly from an exact LDU for such rows, which the residual weight absorbs.
    /// </summary>
    internal static LoLduDecomposition Factor(Tensor weight, int rank)
    {
        var w = weight.detach().to(ScalarType.Float32);
        var (p, l, u) = linalg.lu(w);

        // (P·M)[i] = M[π(i)] with π(i) the column of the 1 in row i of P.
        var permutation = p.argmax(1);
        var pivots = u.diagonal().narrow(0, 0, rank);
        double floor = Math.Max(PivotFloor * u.diagonal().abs().max().item<float>(), float.Epsilon);
        var sign = (pivots >= 0).to(ScalarType.Float32) * 2 - 1;
        var divisor = where(pivots.abs() < floor, sign * floor, pivots);
        var lower = l.narrow(1, 0, rank).contiguous();
        var upper = (u.narrow(0, 0, rank) / divisor.unsqueeze(1)).contiguous();
        return new LoLduDecomposition(permutation, lower, pivots.contiguous(), upper);
    }

    /// <summary><c>σ·P·L_r·diag(z)·U_r</c> in <paramref name="type"/>.</summary>
    internal Tensor Product(Tensor diagonal, double scaling, ScalarType type) =>
        ((Lower.to(type) * diagonal.to(type)).matmul(Upper.to(type)) * scaling).index_select(0, Permutation);

    /// <summary>Moves every tensor to <paramref name="device"/>, detached from dispose scopes.</summary>
    internal LoLduDecomposition MoveTo(Device device) => new(
        Adapters.StoredTensors.MoveTo(Permutation, device),
        Adapters.StoredTensors.MoveTo(Lower, device),
        Adapters.StoredTensors.MoveTo(Pivots, device),
        Adapters.StoredTensors.MoveTo(Upper, device));

    /// <summary>Keeps the tensors alive past the dispose scope they were made in.</summary>
    internal LoLduDecomposition Detached()
    {
        Permutation.DetachFromDisposeScope();
        Lower.DetachFromDisposeScope();
        Pivots.DetachFromDisposeScope();
        Upper.DetachFromDisposeScope();
        return this;
    }

    public void Dispose()
    {
        Permutation.Dispose();
        Lower.Dispose();
        Pivots.Dispose();
        Upper.Dispose();
    }
}
