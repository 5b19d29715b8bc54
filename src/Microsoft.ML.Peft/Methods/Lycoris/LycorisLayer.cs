// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lycoris;

/// <summary>
/// What LoKr and LoHa share on any target (PEFT's LycorisLayer): the adapter materializes its full ΔW, in the base weight's
/// layout, every forward and applies it to the input as the target applies its own weight; in training, module dropout skips
/// the adapter and rank dropout zeroes output rows of ΔW. Merging adds ΔW to the base weight, unmerging subtracts it.
/// </summary>
internal abstract class LycorisLayer : TunerLayer
{
    private readonly Dictionary<string, LycorisDropouts> _dropouts = new(StringComparer.Ordinal);

    protected LycorisLayer(string name, string modulePath, nn.Module<Tensor, Tensor> target)
        : base(name, modulePath, target)
    {
    }

    internal override IReadOnlyCollection<string> AdapterNames => _dropouts.Keys;

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = BaseWeight.dtype;
        return Delta(adapterName, ComputeType(type)).to(type).MoveToOuterDisposeScope();
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_dropouts.Remove(adapterName))
        {
            RemoveParameters(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    /// <summary>Creates the adapter's tensors (on the base weight's device and dtype) and records its dropouts.</summary>
    protected void AddAdapter(string adapterName, LycorisDropouts dropouts, Action createParameters)
    {
        if (_dropouts.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        createParameters();
        _dropouts[adapterName] = dropouts;
    }

    /// <summary>The adapter's ΔW (the base weight's shape, scaling included, no dropout), computed in <paramref name="type"/>.</summary>
    protected abstract Tensor Delta(string adapterName, ScalarType type);

    /// <summary>The dtype the adapter's tensors are stored in.</summary>
    protected abstract ScalarType AdapterType(string adapterName);

    protected abstract void RemoveParameters(string adapterName);

    /// <summary>The target's operation with <paramref name="delta"/> as its weight and no bias (linear, or the layer's convolution).</summary>
    protected abstract Tensor ApplyWeight(Tensor input, Tensor delta);

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var dropouts = _dropouts[adapter];

            // PEFT draws one number per forward and applies the adapter only when it exceeds the probability.
            if (training && dropouts.Module > 0 && rand(1).item<float>() <= dropouts.Module)
            {
                continue;
            }

            var delta = Delta(adapter, AdapterType(adapter));
            if (training && dropouts.Rank > 0)
            {
                delta = delta * RowMask(delta, dropouts);
            }

            var x = input.dtype == delta.dtype ? input : input.to(delta.dtype);
            var update = ApplyWeight(x, delta);
            result = result + (update.dtype == result.dtype ? update : update.to(result.dtype));
        }

        return result;
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        (weight + Delta(adapterName, weight.dtype), bias, null);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var type = ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - Delta(adapterName, type));
    }

    /// <summary>
    /// A keep mask over the output rows of ΔW (one Bernoulli draw per output unit), shaped d_out×1(×1×1). Divided by its mean
    /// when the method scales; the mean is at least 1/d_out unless every row is dropped, when the mask is zero whatever
    /// it is divided by, so the floor only avoids PEFT's 0/0 = NaN in that case.
    /// </summary>
    private static Tensor RowMask(Tensor delta, LycorisDropouts dropouts)
    {
        long rows = delta.shape[0];
        var mask = (rand(new long[] { rows }, device: delta.device) > dropouts.Rank).to(delta.dtype);
        if (dropouts.ScaleRank)
        {
            mask = mask / mask.mean().clamp_min(1.0 / rows);
        }

        var shape = new long[delta.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return mask.view(shape);
    }
}
