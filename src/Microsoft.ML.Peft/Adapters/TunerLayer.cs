// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>A merge computed but not yet written: the new base weight (and bias) plus what unmerge will need.</summary>
internal sealed class MergePlan : IDisposable
{
    internal MergePlan(TunerLayer layer, IReadOnlyList<string> adapters, Tensor weight, Tensor? bias, IReadOnlyDictionary<string, Tensor> unmergeState)
    {
        Layer = layer;
        Adapters = adapters;
        Weight = weight;
        Bias = bias;
        UnmergeState = unmergeState;
    }

    internal TunerLayer Layer { get; }

    internal IReadOnlyList<string> Adapters { get; }

    internal Tensor Weight { get; }

    internal Tensor? Bias { get; }

    /// <summary>Per adapter, a tensor unmerge needs later (DoRA's weight norm); detached from every dispose scope.</summary>
    internal IReadOnlyDictionary<string, Tensor> UnmergeState { get; }

    internal bool IsFinite()
    {
        using var scope = NewDisposeScope();
        return Weight.isfinite().all().item<bool>() && (Bias is null || Bias.isfinite().all().item<bool>());
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}

/// <summary>
/// The adapters a PEFT method attaches to one target module. The target stays where it is in the user's tree;
/// a forward hook adds the adapters' contribution to its output, so any TorchSharp model works without its
/// fields being replaced. Adapter tensors live in named child containers (for example <c>lora_A.default.weight</c>),
/// which yields PEFT's in-memory names; the saved names drop the adapter name (see <see cref="Formats.PeftStateDictKeys"/>).
/// </summary>
internal abstract partial class TunerLayer : nn.Module
{
    private readonly List<string> _merged = new();
    private readonly Dictionary<string, Tensor> _unmergeState = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _activeAdapters = Array.Empty<string>();
    private Action? _removeHook;
    private Action? _removeInputHook;

    protected TunerLayer(string name, string modulePath, nn.Module<Tensor, Tensor> target)
        : base(name)
    {
        ModulePath = modulePath;
        Target = target;
    }

    /// <summary>The dotted path of the target in the user's model.</summary>
    internal string ModulePath { get; }

    /// <summary>The adapted module; owned by the user's model, never by this layer.</summary>
    internal nn.Module<Tensor, Tensor> Target { get; }

    internal abstract IReadOnlyCollection<string> AdapterNames { get; }

    internal IReadOnlyList<string> MergedAdapters => _merged;

    internal bool IsMerged => _merged.Count > 0;

    internal bool AdaptersDisabled { get; set; }

    internal IReadOnlyList<string> ActiveAdapters
    {
        get => _activeAdapters;
        set => _activeAdapters = value.Where(AdapterNames.Contains).ToArray();
    }

    /// <summary>The base weight, as a tensor sharing the target's storage.</summary>
    internal abstract Tensor BaseWeight { get; }

    /// <summary>The base bias, or null.</summary>
    internal abstract Tensor? BaseBias { get; }

    /// <summary>The type merges are computed in: float32 for half precision, which loses too much otherwise (PEFT does the same on CPU).</summary>
    protected internal static ScalarType ComputeType(ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.BFloat16 ? ScalarType.Float32 : type;

    internal void Attach()
    {
        var handle = Target.register_forward_hook(OnForward);
        _removeHook = handle.remove;
        if (TransformsInput)
        {
            var inputHandle = Target.register_forward_pre_hook(OnForwardInput);
            _removeInputHook = inputHandle.remove;
        }
    }

    internal void Detach()
    {
        _removeHook?.Invoke();
        _removeHook = null;
        _removeInputHook?.Invoke();
        _removeInputHook = null;
    }

    /// <summary>The trainable tensors of one adapter with their in-memory names relative to this layer.</summary>
    internal IEnumerable<(string Name, Parameter Parameter)> AdapterParameters(string adapterName) =>
        named_parameters().Where(p => Formats.PeftStateDictKeys.BelongsToAdapter(p.name, adapterName));

    /// <summary>
    /// The adapter's tensors that are not parameters but define it and are saved with it (PaCA's column indices),
    /// with their in-memory names relative to this layer; none by default.
    /// </summary>
    internal virtual IEnumerable<(string Name, Tensor Buffer)> AdapterBuffers(string adapterName) =>
        Array.Empty<(string, Tensor)>();

    internal void SetAdapterTrainable(string adapterName, bool trainable)
    {
        foreach (var (_, parameter) in AdapterParameters(adapterName))
        {
            parameter.requires_grad = trainable;
        }
    }

    internal abstract void DeleteAdapter(string adapterName);

    /// <summary>The adapter's update ΔW in the base weight's layout and dtype.</summary>
    internal abstract Tensor GetDeltaWeight(string adapterName);

    /// <summary>Adds the contributions of the active, unmerged adapters to the base output.</summary>
    protected abstract Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training);

    /// <summary>
    /// Whether the method changes the target's input before the target runs ((IA)³ on feed-forward modules); only then is
    /// <see cref="TransformInput"/> hooked in.
    /// </summary>
    protected virtual bool TransformsInput => false;

    /// <summary>
    /// The target's input as the active, unmerged adapters change it (a fresh tensor), or null to leave it as is; called under
    /// the same rules as <see cref="ApplyAdapters"/>, and only when <see cref="TransformsInput"/> is true.
    /// </summary>
    protected virtual Tensor? TransformInput(Tensor input, IReadOnlyList<string> adapters, bool training) => null;

    /// <summary>Refuses a merge the method cannot do, before anything is computed (LN tuning merges one adapter at a time).</summary>
    protected virtual void CheckMerge(IReadOnlyList<string> adapterNames)
    {
    }

    /// <summary>Folds one adapter into <paramref name="weight"/>/<paramref name="bias"/> (fresh tensors), returning what unmerge needs.</summary>
    protected abstract (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName);

    /// <summary>Reverses <see cref="MergeInto"/> for one adapter, in place on the base tensors.</summary>
    protected abstract void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState);

    /// <summary>Computes the merged weights without touching the base.</summary>
    internal MergePlan PlanMerge(IReadOnlyList<string> adapterNames)
    {
        CheckMerge(adapterNames);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var baseWeight = BaseWeight;
        var baseBias = BaseBias;
        Tensor weight = baseWeight.detach().to(ComputeType(baseWeight.dtype)).clone();
        Tensor? bias = baseBias?.detach().to(ComputeType(baseBias.dtype)).clone();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string adapter in adapterNames)
        {
            var (newWeight, newBias, unmergeState) = MergeInto(weight, bias, adapter);
            weight = newWeight;
            bias = newBias;
            if (unmergeState is not null)
            {
                state[adapter] = unmergeState.detach().clone().DetachFromDisposeScope();
            }
        }

        weight = weight.to(baseWeight.dtype).DetachFromDisposeScope();
        bias = bias?.to(baseBias!.dtype).DetachFromDisposeScope();
        return new MergePlan(this, adapterNames, weight, bias, state);
    }

    /// <summary>Writes a plan made by <see cref="PlanMerge"/> into the base tensors.</summary>
    internal void CommitMerge(MergePlan plan)
    {
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            BaseWeight.copy_(plan.Weight);
            if (plan.Bias is not null)
            {
                BaseBias!.copy_(plan.Bias);
            }
        }

        foreach (var (adapter, state) in plan.UnmergeState)
        {
            _unmergeState[adapter] = state;
        }

        _merged.AddRange(plan.Adapters);
    }

    /// <summary>Subtracts every merged adapter, last merged first.</summary>
    internal void Unmerge()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = _merged.Count - 1; i >= 0; i--)
        {
            string adapter = _merged[i];
            _unmergeState.Remove(adapter, out var state);
            UnmergeFrom(BaseWeight, BaseBias, adapter, state);
            state?.Dispose();
            _merged.RemoveAt(i);
        }
    }

    /// <summary>
    /// The adapter's tensors (names relative to this layer, as saved) rewritten for the original, unmutated base
    /// weight; null when the adapter never changed the base.
    /// </summary>
    internal virtual IReadOnlyDictionary<string, Tensor>? TensorsForOriginalBase(string adapterName) => null;

    /// <summary>
    /// Moves the layer's tensors that are not parameters (what unmerge needs, such as DoRA's cached norms) along with
    /// the layer; methods that keep more override this and call the base.
    /// </summary>
    internal virtual void MoveState(Device device) => StoredTensors.MoveAll(_unmergeState, device);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Detach();
            foreach (var state in _unmergeState.Values)
            {
                state.Dispose();
            }

            _unmergeState.Clear();
        }

        base.Dispose(disposing);
    }

    // PEFT's rules: a disabled layer first unmerges and then returns the base output; a merged layer returns the
    // (merged) base output; otherwise the active adapters' contributions are added.
    private Tensor OnForward(nn.Module<Tensor, Tensor> module, Tensor input, Tensor output)
    {
        if (AdaptersDisabled)
        {
            if (IsMerged)
            {
                throw new InvalidOperationException(
                    $"Module '{ModulePath}' has merged adapters while adapters are disabled; call UnmergeAdapter() before disabling them.");
            }

            return output;
        }

        if (RowAdapters is { } rowAdapters)
        {
            return MixedBatchForward(input, output, rowAdapters, module.training);
        }

        if (IsMerged || _activeAdapters.Count == 0)
        {
            return output;
        }

        return ApplyAdapters(input, output, _activeAdapters, module.training);
    }

    // The input side of the same rules; a disabled layer with merged adapters is refused by OnForward. TorchSharp keeps the
    // input when a pre-hook returns null, although its delegate type does not say so.
    private Tensor OnForwardInput(nn.Module<Tensor, Tensor> module, Tensor input)
    {
        if (AdaptersDisabled)
        {
            return null!;
        }

        if (RowAdapters is { } rowAdapters)
        {
            return MixedBatchInput(input, rowAdapters, module.training)!;
        }

        return (IsMerged || _activeAdapters.Count == 0 ? null : TransformInput(input, _activeAdapters, module.training))!;
    }
}
