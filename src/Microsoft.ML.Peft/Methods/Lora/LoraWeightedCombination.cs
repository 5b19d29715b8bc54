// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>
/// The factors of a weighted combination of LoRA adapters on one layer, as PEFT's <c>add_weighted_adapter</c>
/// computes them (<c>lora/model.py</c>). With <c>c_i = w_i·s_i</c>:
/// cat stacks <c>c_i·A_i</c> and <c>B_i</c>; the factor rules merge the A stack with weights <c>sign(c_i)√|c_i|</c> and
/// the B stack with <c>√|c_i|</c>; the SVD rules merge the dense <c>ΔW_i = s_i·B_i·A_i</c> with weights <c>c_i</c>
/// (so the scaling counts twice, as in PEFT) and keep the top singular directions.
/// </summary>
internal static class LoraWeightedCombination
{
    internal sealed record Options(AdapterCombination Combination, int NewRank, double? SvdClamp, double Density, MajoritySignMethod SignMethod);

    /// <summary>New A (rank×in) and B (out×rank) for <paramref name="layer"/>, in the merge compute type.</summary>
    internal static (Tensor A, Tensor B) Combine(LoraLayer layer, IReadOnlyList<(string Adapter, double Weight)> sources, Options options)
    {
        var present = sources.Where(s => layer.AdapterNames.Contains(s.Adapter)).ToList();
        if (present.Count == 0)
        {
            throw new InvalidOperationException(
                $"Module '{layer.ModulePath}' is targeted by the combined adapter but holds none of [{string.Join(", ", sources.Select(s => s.Adapter))}]; " +
                "the first adapter's layers_to_transform or exclude_modules differ from the others'. Combine adapters with compatible targets.");
        }

        var type = TunerLayer.ComputeType(layer.Factors(present[0].Adapter).A.dtype);
        var factors = present.Select(s => layer.Factors(s.Adapter)).Select(f => (A: f.A.detach().to(type), B: f.B.detach().to(type))).ToList();
        var scaled = present.Select(s => s.Weight * layer.Settings(s.Adapter).Scaling).ToList();
        return options.Combination switch
        {
            AdapterCombination.Cat => Cat(layer, factors, scaled, options.NewRank),
            AdapterCombination.Linear => Factorwise(layer, factors, scaled, TaskMergeRule.Sum, options),
            AdapterCombination.Ties => Factorwise(layer, factors, scaled, TaskMergeRule.Ties, options),
            AdapterCombination.DareLinear => Factorwise(layer, factors, scaled, TaskMergeRule.DareLinear, options),
            AdapterCombination.DareTies => Factorwise(layer, factors, scaled, TaskMergeRule.DareTies, options),
            AdapterCombination.MagnitudePrune => Factorwise(layer, factors, scaled, TaskMergeRule.MagnitudePrune, options),
            AdapterCombination.Svd => Svd(layer, present, factors, scaled, TaskMergeRule.Sum, options),
            AdapterCombination.TiesSvd => Svd(layer, present, factors, scaled, TaskMergeRule.Ties, options),
            AdapterCombination.DareLinearSvd => Svd(layer, present, factors, scaled, TaskMergeRule.DareLinear, options),
            AdapterCombination.DareTiesSvd => Svd(layer, present, factors, scaled, TaskMergeRule.DareTies, options),
            AdapterCombination.MagnitudePruneSvd => Svd(layer, present, factors, scaled, TaskMergeRule.MagnitudePrune, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Combination, "Unknown combination."),
        };
    }

    // Rows of A and columns of B past the stacked ones stay zero (an adapter missing on this layer leaves a gap).
    private static (Tensor A, Tensor B) Cat(LoraLayer layer, List<(Tensor A, Tensor B)> factors, List<double> scaled, int newRank)
    {
        var a = cat(factors.Select((f, i) => f.A * scaled[i]).ToList(), 0);
        var b = cat(factors.Select(f => f.B).ToList(), 1);
        var fullA = zeros(new long[] { newRank, a.shape[1] }, a.dtype, a.device);
        var fullB = zeros(new long[] { b.shape[0], newRank }, b.dtype, b.device);
        fullA[TensorIndex.Slice(0, a.shape[0])] = a;
        fullB[TensorIndex.Colon, TensorIndex.Slice(0, b.shape[1])] = b;
        return (fullA, fullB);
    }

    private static (Tensor A, Tensor B) Factorwise(LoraLayer layer, List<(Tensor A, Tensor B)> factors, List<double> scaled, TaskMergeRule rule, Options options)
    {
        foreach (var (a, _) in factors)
        {
            if (a.shape[0] != options.NewRank)
            {
                throw new InvalidOperationException(
                    $"{options.Combination} needs every adapter to have rank {options.NewRank} on '{layer.ModulePath}', but one has rank {a.shape[0]} there (rank_pattern); use {nameof(AdapterCombination.Cat)} or an SVD combination.");
            }
        }

        // The sign goes on one side only, so that negative weights subtract instead of cancelling out.
        var weightsA = scaled.Select(c => Math.Sqrt(Math.Abs(c)) * (c >= 0 ? 1 : -1)).ToList();
        var weightsB = scaled.Select(c => Math.Sqrt(Math.Abs(c))).ToList();
        var newA = TaskTensorMerging.Merge(rule, factors.Select(f => f.A).ToList(), weightsA, options.Density, options.SignMethod);
        var newB = TaskTensorMerging.Merge(rule, factors.Select(f => f.B).ToList(), weightsB, options.Density, options.SignMethod);
        return (newA, newB);
    }

    private static (Tensor A, Tensor B) Svd(
        LoraLayer layer, List<(string Adapter, double Weight)> present, List<(Tensor A, Tensor B)> factors, List<double> scaled, TaskMergeRule rule, Options options)
    {
        // PEFT weights get_delta_weight (already s_i·B_i·A_i) by w_i·s_i: the scaling is applied twice.
        var deltas = factors.Select((f, i) => f.B.matmul(f.A) * layer.Settings(present[i].Adapter).Scaling).ToList();
        var delta = TaskTensorMerging.Merge(rule, deltas, scaled, options.Density, options.SignMethod);
        long available = Math.Min(delta.shape[0], delta.shape[1]);
        if (options.NewRank > available)
        {
            throw new InvalidOperationException(
                $"The SVD rank {options.NewRank} exceeds min(out, in) = {available} of '{layer.ModulePath}'; pass a smaller svdRank.");
        }

        var (u, s, vh) = linalg.svd(delta, fullMatrices: true);
        var b = u[TensorIndex.Colon, TensorIndex.Slice(0, options.NewRank)].matmul(diag(s[TensorIndex.Slice(0, options.NewRank)]));
        var a = vh[TensorIndex.Slice(0, options.NewRank)];
        if (options.SvdClamp is double q)
        {
            // PEFT takes the quantile of the signed entries of both factors and clamps to ±that value.
            var high = quantile(cat(new[] { b.flatten(), a.flatten() }, 0), tensor(q, dtype: b.dtype, device: b.device)).ToDouble();
            b = b.clamp(-high, high);
            a = a.clamp(-high, high);
        }

        return (a, b);
    }
}
