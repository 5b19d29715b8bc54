// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>Merging adapters into the base weights, unmerging, and unloading.</summary>
public sealed partial class PeftModel
{
    /// <summary>Folds adapters into the base weights so inference costs nothing extra (PEFT's <c>merge_adapter</c>).</summary>
    /// <param name="safeMerge">When true, every merged weight is computed first and checked for NaN or infinity; if any
    /// is non-finite nothing is written. Costs a temporary copy of the target weights.</param>
    /// <param name="adapterNames">The adapters to merge; the active adapter when null.</param>
    /// <exception cref="KeyNotFoundException">An adapter name is unknown.</exception>
    /// <exception cref="InvalidOperationException">Adapters are disabled, or <paramref name="safeMerge"/> found non-finite values.</exception>
    /// <exception cref="NotSupportedException">An adapter's method cannot be merged (bottleneck adapters); nothing was merged.</exception>
    public void MergeAdapter(bool safeMerge = false, IEnumerable<string>? adapterNames = null)
    {
        ThrowIfReleased();
        var names = (adapterNames ?? new[] { _activeAdapter }).Select(CheckAdapter).Distinct().ToList();
        if (_disableDepth > 0)
        {
            throw new InvalidOperationException("Adapters cannot be merged while they are disabled; dispose the DisableAdapter() scope first.");
        }

        foreach (string name in names)
        {
            var method = PeftMethodRegistry.ForConfig(_configs[name]);
            if (!method.CanMerge)
            {
                throw new NotSupportedException(
                    $"Adapter '{name}' ({method.PeftType}) cannot be merged into the base weights: its update is not a weight delta. Keep it unmerged (it works as it is), or use a mergeable method such as LoRA.");
            }
        }

        var work = _layers.Values
            .Select(layer => (Layer: layer, Adapters: names.Where(n => layer.AdapterNames.Contains(n) && !layer.MergedAdapters.Contains(n)).ToList()))
            .Where(w => w.Adapters.Count > 0)
            .ToList();
        if (!safeMerge)
        {
            foreach (var (layer, adapters) in work)
            {
                using var plan = layer.PlanMerge(adapters);
                layer.CommitMerge(plan);
            }

            return;
        }

        var plans = new List<MergePlan>();
        try
        {
            foreach (var (layer, adapters) in work)
            {
                var plan = layer.PlanMerge(adapters);
                plans.Add(plan);
                if (!plan.IsFinite())
                {
                    throw new InvalidOperationException(
                        $"NaNs detected in the merged weights of '{layer.ModulePath}'. The adapter(s) [{string.Join(", ", adapters)}] seem to be broken; nothing was merged.");
                }
            }

            foreach (var plan in plans)
            {
                plan.Layer.CommitMerge(plan);
            }
        }
        finally
        {
            foreach (var plan in plans)
            {
                plan.Dispose();
            }
        }
    }

    /// <summary>Subtracts every merged adapter from the base weights (PEFT's <c>unmerge_adapter</c>).</summary>
    public void UnmergeAdapter()
    {
        ThrowIfReleased();
        foreach (var layer in _layers.Values)
        {
            layer.Unmerge();
        }
    }

    /// <summary>
    /// Merges adapters and removes every hook, returning the plain base model with the update baked in (PEFT's
    /// <c>merge_and_unload</c>). Modules in modules_to_save keep the active adapter's values. This wrapper is
    /// unusable afterwards.
    /// </summary>
    /// <param name="safeMerge">Check merged weights for NaN or infinity before writing any (see <see cref="MergeAdapter"/>).</param>
    /// <param name="adapterNames">The adapters to merge; the active adapter when null.</param>
    /// <returns>The base model.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="safeMerge"/> found non-finite values; nothing changed.</exception>
    public nn.Module MergeAndUnload(bool safeMerge = false, IEnumerable<string>? adapterNames = null)
    {
        MergeAdapter(safeMerge, adapterNames);
        Release(restoreOriginalModules: false);
        return _model;
    }

    /// <summary>
    /// Removes every adapter without merging and gives back the original base model: merged adapters are unmerged
    /// and modules_to_save get their original values. This wrapper is unusable afterwards.
    /// </summary>
    /// <returns>The base model.</returns>
    public nn.Module Unload()
    {
        UnmergeAdapter();
        Release(restoreOriginalModules: true);
        return _model;
    }

    private void Release(bool restoreOriginalModules)
    {
        if (restoreOriginalModules)
        {
            foreach (var slot in _slots.Values)
            {
                slot.Activate(null, trainable: false);
            }
        }

        Dispose();
    }
}
