// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LnTuning;

/// <summary>
/// LN tuning on a normalisation layer: a trainable copy per adapter, <c>ln_tuning_layers.{adapter}</c> as in PEFT, runs
/// instead of the original. PEFT merges by swapping the copy and the original module; here the target stays in the user's
/// model, so merge writes the copy's affine values into it and unmerge writes the original values back (both exact). A
/// subclass says how to copy its kind of norm.
/// </summary>
/// <typeparam name="TNorm">The norm module type.</typeparam>
internal abstract class NormTuningLayer<TNorm> : TunerLayer
    where TNorm : nn.Module<Tensor, Tensor>
{
    private readonly AdapterModuleDict<TNorm> _copies = new();
    private readonly List<string> _adapterNames = new();

    protected NormTuningLayer(string name, string modulePath, TNorm target)
        : base(name, modulePath, target)
    {
        BaseNorm = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("ln_tuning_layers", _copies);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _adapterNames;

    internal TNorm Copy(string adapterName) => _copies[adapterName];

    protected TNorm BaseNorm { get; }

    /// <summary>Adds a copy of the target with its current values (PEFT's deepcopy), on the same device and dtype.</summary>
    internal void AddAdapter(string adapterName)
    {
        if (_adapterNames.Contains(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        TNorm copy;
        using (no_grad())
        {
            copy = CreateCopy();
        }

        _copies.Add(adapterName, copy);
        _adapterNames.Add(adapterName);
    }

    /// <summary>A new module equal to the target, its affine parameters trainable, on the target's device and dtype.</summary>
    protected abstract TNorm CreateCopy();

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_adapterNames.Remove(adapterName))
        {
            _copies.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    /// <summary>The copy's weight minus the original's.</summary>
    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        return (CopyWeight(adapterName).detach() - BaseWeight.detach()).MoveToOuterDisposeScope();
    }

    protected override void CheckMerge(IReadOnlyList<string> adapterNames)
    {
        if (adapterNames.Count > 1)
        {
            throw new InvalidOperationException(
                $"LN tuning merges one adapter at a time, as in PEFT, but [{string.Join(", ", adapterNames)}] were given; merge one of them.");
        }

        if (MergedAdapters.Count > 0)
        {
            throw new InvalidOperationException(
                $"Adapter '{MergedAdapters[0]}' is already merged into '{ModulePath}' and LN tuning merges one adapter at a time; call {nameof(PeftModel.UnmergeAdapter)}() first.");
        }
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        if (adapters.Count != 1)
        {
            throw new InvalidOperationException(
                $"LN tuning runs one adapter at a time, as in PEFT, but [{string.Join(", ", adapters)}] are active on '{ModulePath}'; activate one of them.");
        }

        // The original's output is discarded: the copy replaces the module.
        return Copy(adapters[0]).call(input);
    }

    // The original values are what unmerge writes back: weight then bias, flattened into one tensor.
    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        var original = bias is null ? weight.flatten() : cat(new[] { weight.flatten(), bias.flatten() });
        var newWeight = CopyWeight(adapterName).detach().to(weight.dtype).clone();
        var newBias = bias is null ? null : CopyBias(adapterName)!.detach().to(bias.dtype).clone();
        return (newWeight, newBias, original);
    }

    /// <summary>The affine weight of an adapter's copy.</summary>
    protected abstract Tensor CopyWeight(string adapterName);

    /// <summary>The affine bias of an adapter's copy, null when the norm has none.</summary>
    protected abstract Tensor? CopyBias(string adapterName);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var original = unmergeState ?? throw new InvalidOperationException($"The original values of '{ModulePath}' were not kept at merge.");
        long count = weight.numel();
        weight.copy_(original.narrow(0, 0, count).view_as(weight));
        bias?.copy_(original.narrow(0, count, bias.numel()).view_as(bias));
    }
}
