// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.RandLora;

/// <summary>
/// The shared random bases of RandLoRA, drawn exactly as PEFT's <c>RandLoraModel</c> draws them so that an adapter saved
/// without its bases (<c>save_projection = false</c>) can be rebuilt: same generator, same order, same dtypes.
/// </summary>
internal static class RandLoraBases
{
    /// <summary>
    /// <c>randlora_A</c> (r × 1 × min_dim), one basis shared by all N, and <c>randlora_B</c> (max_dim × N × r), on the CPU.
    /// </summary>
    internal static (Tensor A, Tensor B) Draw(RandLoraConfig config, long maxDim, long minDim)
    {
        using var generator = RandomProjections.CreateGenerator(config.ProjectionPrngKey);
        long bases = RandLoraMethod.BasesCount(minDim, config.Rank);
        if (config.VerySparse)
        {
            return Sparse(config.Rank, maxDim, minDim, bases, Math.Sqrt(minDim), generator);
        }

        return config.Sparse ? Sparse(config.Rank, maxDim, minDim, bases, 3, generator) : Dense(config.Rank, maxDim, minDim, bases, generator);
    }

    /// <summary>
    /// PEFT's <c>_init_randlora_A_randlora_B</c>: Kaiming-uniform (a = √5) draws in bfloat16, A first (fan_in = min_dim),
    /// then N slices of B (fan_in = r) concatenated along dim 1; each tensor is then divided by its own standard
    /// deviation, still in bfloat16. PEFT falls back to float16 only on accelerators without bfloat16; the draws here
    /// are always bfloat16, as on a CPU.
    /// </summary>
    private static (Tensor A, Tensor B) Dense(int rank, long maxDim, long minDim, long bases, Generator generator)
    {
        var a = RandomProjections.Uniform(new[] { rank, 1, minDim }, KaimingBoundSqrt5(minDim), generator, ScalarType.BFloat16);
        var slices = new List<Tensor>();
        for (long i = 0; i < bases; i++)
        {
            slices.Add(RandomProjections.Uniform(new[] { maxDim, 1, rank }, KaimingBoundSqrt5(rank), generator, ScalarType.BFloat16));
        }

        var b = cat(slices, 1);
        return (a / a.std(), b / b.std());
    }

    /// <summary>
    /// PEFT's <c>_init_randlora_A_randlora_B_sparse</c>: uniform [0, 1) draws in float32 (A, then all of B), mapped to −1
    /// below 1/(2·sparsity), +1 above 1 − 1/(2·sparsity), 0 elsewhere, then divided by the standard deviation.
    /// </summary>
    private static (Tensor A, Tensor B) Sparse(int rank, long maxDim, long minDim, long bases, double sparsity, Generator generator)
    {
        var a = rand(new[] { rank, 1, minDim }, ScalarType.Float32, CPU, generator: generator);
        var b = rand(new[] { maxDim, bases, rank }, ScalarType.Float32, CPU, generator: generator);
        var sparseA = Ternary(a, sparsity);
        var sparseB = Ternary(b, sparsity);
        return (sparseA / sparseA.std(), sparseB / sparseB.std());
    }

    private static Tensor Ternary(Tensor uniform, double sparsity)
    {
        var result = zeros_like(uniform);
        result.masked_fill_(uniform < 1 / (2 * sparsity), -1);
        result.masked_fill_(uniform > 1 - (1 / (2 * sparsity)), 1);
        return result;
    }

    /// <summary>PyTorch's <c>kaiming_uniform_(a=√5)</c> bound, computed in PyTorch's order so the doubles are identical.</summary>
    private static double KaimingBoundSqrt5(long fanIn)
    {
        double negativeSlope = Math.Sqrt(5);
        double gain = Math.Sqrt(2.0 / (1 + (negativeSlope * negativeSlope)));
        double std = gain / Math.Sqrt(fanIn);
        return Math.Sqrt(3.0) * std;
    }
}
