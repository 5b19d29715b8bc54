// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>The rule that merges same-shaped task tensors, one per source adapter (PEFT's merge_utils).</summary>
internal enum TaskMergeRule
{
    /// <summary>Weighted sum (task_arithmetic).</summary>
    Sum,

    /// <summary>Magnitude pruning, sign election, disjoint mean (ties).</summary>
    Ties,

    /// <summary>Random pruning with 1/density rescaling, weighted sum (dare_linear).</summary>
    DareLinear,

    /// <summary>Random pruning with rescaling, sign election, disjoint mean (dare_ties).</summary>
    DareTies,

    /// <summary>Magnitude pruning, weighted sum (magnitude_prune).</summary>
    MagnitudePrune,
}

/// <summary>
/// PEFT's <c>merge_utils</c>, operation for operation, including its choices: the majority sign is elected on the
/// pruned tensors before the weights are applied, an entry that is exactly zero never counts as agreeing, and
/// random pruning draws from torch's global generator (seed it with <c>torch.manual_seed</c>).
/// </summary>
internal static class TaskTensorMerging
{
    /// <summary>Merges <paramref name="tensors"/> with one weight per tensor; returns a new tensor.</summary>
    internal static Tensor Merge(TaskMergeRule rule, IReadOnlyList<Tensor> tensors, IReadOnlyList<double> weights, double density, MajoritySignMethod signMethod)
    {
        var pruned = rule switch
        {
            TaskMergeRule.Sum => tensors,
            TaskMergeRule.Ties or TaskMergeRule.MagnitudePrune => tensors.Select(t => Prune(t, density, random: false)).ToList(),
            _ => tensors.Select(t => Prune(t, density, random: true)).ToList(),
        };
        var stacked = stack(pruned, 0);
        var weighted = stacked * WeightColumn(weights, stacked);
        if (rule is TaskMergeRule.Ties or TaskMergeRule.DareTies)
        {
            return DisjointMerge(weighted, MajoritySignMask(stacked, signMethod));
        }

        return weighted.sum(dim: 0);
    }

    /// <summary>PEFT's prune: nothing below density 1 is kept untouched; magnitude keeps the top ⌊density·n⌋ |x|, random keeps Bernoulli(density) entries scaled by 1/density.</summary>
    internal static Tensor Prune(Tensor tensor, double density, bool random)
    {
        if (density >= 1)
        {
            return tensor;
        }

        if (random)
        {
            var mask = bernoulli(full_like(tensor, density));
            return tensor * mask / density;
        }

        var flat = tensor.reshape(-1);
        var keep = zeros_like(flat);
        int k = (int)(density * tensor.numel());
        if (k > 0)
        {
            var (_, indices) = flat.abs().topk(k, dim: 0, largest: true);
            keep.index_fill_(0, indices, 1);
        }

        return tensor * keep.reshape(tensor.shape);
    }

    /// <summary>True where an entry's sign equals the elected sign of its position (stacked on dimension 0).</summary>
    internal static Tensor MajoritySignMask(Tensor stacked, MajoritySignMethod method)
    {
        var sign = stacked.sign();
        var magnitude = method == MajoritySignMethod.Total ? stacked.sum(dim: 0) : sign.sum(dim: 0);
        var majority = where(magnitude >= 0, ones_like(magnitude), -ones_like(magnitude));
        return sign == majority;
    }

    /// <summary>Mean of the agreeing entries: their sum divided by their count (at least 1).</summary>
    internal static Tensor DisjointMerge(Tensor weighted, Tensor mask)
    {
        var kept = (weighted * mask).sum(dim: 0);
        var count = mask.sum(dim: 0).to(weighted.dtype).clamp_min(1.0);
        return kept / count;
    }

    private static Tensor WeightColumn(IReadOnlyList<double> weights, Tensor stacked)
    {
        var shape = new long[stacked.dim()];
        Array.Fill(shape, 1L);
        shape[0] = weights.Count;
        return tensor(weights.ToArray(), dtype: stacked.dtype, device: stacked.device).reshape(shape);
    }
}
