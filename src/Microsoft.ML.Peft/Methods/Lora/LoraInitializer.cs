// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>LoRA's initializations of A (r×d_in) and B (d_out×r), exactly as PEFT computes them (the default one is <see cref="AdapterInitialization.KaimingUniformSqrt5"/>).</summary>
internal static class LoraInitializer
{
    /// <summary>A ~ N(0, (1/r)²), PEFT's "gaussian".</summary>
    internal static void Gaussian(Tensor weight, int rank)
    {
        using var noGrad = no_grad();
        weight.normal_(0.0, 1.0 / rank);
    }

    /// <summary>
    /// PiSSA: with W = U·diag(S)·Vh (thin SVD, float32), A = diag(√(S_r/s))·Vh_r and B = U_r·diag(√(S_r/s)).
    /// Returns (A, B, residual W − s·B·A in W's dtype). With <paramref name="iterations"/>, a randomized SVD
    /// (Halko et al., as torch.svd_lowrank) replaces the exact one.
    /// </summary>
    internal static (Tensor A, Tensor B, Tensor Residual) PiSSA(Tensor weight, int rank, double scaling, int? iterations)
    {
        var w = weight.detach().to(ScalarType.Float32);
        Tensor left, singular, rightT;
        if (iterations is null)
        {
            var (u, s, vh) = linalg.svd(w, fullMatrices: false);
            left = u.narrow(1, 0, rank);
            singular = s.narrow(0, 0, rank);
            rightT = vh.narrow(0, 0, rank);
        }
        else
        {
            var (u, s, v) = LowRankSvd(w, rank, iterations.Value);
            left = u;
            singular = s;
            rightT = v.t();
        }

        var root = (singular / scaling).sqrt();
        var a = diag(root).matmul(rightT);
        var b = left.matmul(diag(root));
        var residual = (w - scaling * b.matmul(a)).to(weight.dtype);
        return (a, b, residual);
    }

    /// <summary>OLoRA: W = Q·R (reduced QR, float32); B = Q[:, :r], A = R[:r]; residual W − s·B·A.</summary>
    internal static (Tensor A, Tensor B, Tensor Residual) OLoRA(Tensor weight, int rank, double scaling)
    {
        var w = weight.detach().to(ScalarType.Float32);
        var (q, r) = linalg.qr(w);
        var b = q.narrow(1, 0, rank).contiguous();
        var a = r.narrow(0, 0, rank).contiguous();
        var residual = (w - scaling * b.matmul(a)).to(weight.dtype);
        return (a, b, residual);
    }

    /// <summary>Randomized rank-q SVD with <paramref name="iterations"/> power iterations; returns U (m×q), S (q), V (n×q).</summary>
    internal static (Tensor U, Tensor S, Tensor V) LowRankSvd(Tensor matrix, int q, int iterations)
    {
        long m = matrix.shape[0];
        long n = matrix.shape[1];
        bool transposed = m < n;
        var a = transposed ? matrix.t() : matrix;
        var basis = ApproximateBasis(a, q, iterations);
        var projected = basis.t().matmul(a);
        var (u, s, vh) = linalg.svd(projected, fullMatrices: false);
        var left = basis.matmul(u);
        var right = vh.t();
        return transposed ? (right, s, left) : (left, s, right);
    }

    private static Tensor ApproximateBasis(Tensor a, int q, int iterations)
    {
        var random = randn(new long[] { a.shape[1], q }, dtype: a.dtype, device: a.device);
        var (basis, _) = linalg.qr(a.matmul(random));
        for (int i = 0; i < iterations; i++)
        {
            (basis, _) = linalg.qr(a.t().matmul(basis));
            (basis, _) = linalg.qr(a.matmul(basis));
        }

        return basis;
    }
}
