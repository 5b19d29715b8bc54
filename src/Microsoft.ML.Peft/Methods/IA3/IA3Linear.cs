// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.IA3;

/// <summary>
/// (IA)³ on a <see cref="Linear"/> target: one learned vector per adapter, named <c>ia3_l.{adapter}</c> as in PEFT. A module that
/// is not feed-forward scales its output (bias included) by <c>l</c> of shape (d_out, 1); a feed-forward module scales its input
/// by <c>l</c> of shape (1, d_in) before the base layer runs. Several active adapters multiply their vectors.
/// </summary>
internal sealed class IA3Linear : TunerLayer
{
    /// <summary>Added to <c>l</c> before unmerge divides by it, as PEFT does, so unmerge is only approximately exact.</summary>
    internal const double UnmergeEpsilon = 1e-8;

    private readonly Linear _baseLinear;
    private readonly AdapterParameterDict _scales = new();
    private readonly List<string> _adapterNames = new();
    private bool? _isFeedforward;

    internal IA3Linear(string modulePath, Linear target)
        : base(nameof(IA3Linear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("ia3_l", _scales);
    }

    /// <summary>Whether the layer scales the input (feed-forward) rather than the output; fixed by its first adapter, as in PEFT.</summary>
    internal bool IsFeedforward => _isFeedforward ?? false;

    internal override IReadOnlyCollection<string> AdapterNames => _adapterNames;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    protected override bool TransformsInput => true;

    internal Parameter Scale(string adapterName) => _scales[adapterName];

    /// <summary>Creates the adapter's vector on the base weight's device and dtype: ones, or standard normal values without init.</summary>
    internal void AddAdapter(string adapterName, bool isFeedforward, bool initializeWeights)
    {
        if (_adapterNames.Contains(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        if (_isFeedforward is bool existing && existing != isFeedforward)
        {
            // PEFT silently keeps the first adapter's choice, which gives the new adapter a shape its own configuration does not
            // describe; refusing keeps every saved adapter loadable on its own.
            throw new InvalidOperationException(
                $"Module '{ModulePath}' is {Describe(existing)} for its existing adapters but {Describe(isFeedforward)} for '{adapterName}'; "
                + $"give both adapters the same `{nameof(IA3Config.FeedforwardModules)}`.");
        }

        using var scope = NewDisposeScope();
        long[] shape = isFeedforward ? new[] { 1L, _baseLinear.in_features } : new[] { _baseLinear.out_features, 1L };
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        var values = initializeWeights ? ones(shape, type, device) : randn(shape, type, device);
        _scales.Add(adapterName, new Parameter(values, requires_grad: true));
        _isFeedforward = isFeedforward;
        _adapterNames.Add(adapterName);
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_adapterNames.Remove(adapterName))
        {
            _scales.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
            if (_adapterNames.Count == 0)
            {
                _isFeedforward = null;
            }
        }
    }

    /// <summary>ΔW of the merge: <c>diag(l)·W − W</c>, or <c>W·diag(l) − W</c> for a feed-forward module.</summary>
    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = ComputeType(BaseWeight.dtype);
        var weight = BaseWeight.detach().to(type);
        var delta = (weight * Scale(adapterName).detach().to(type)) - weight;
        return delta.to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    protected override Tensor? TransformInput(Tensor input, IReadOnlyList<string> adapters, bool training)
    {
        if (!IsFeedforward)
        {
            return null;
        }

        // As PEFT: the input is scaled in the vectors' dtype, then cast back for the base layer.
        var scale = Product(adapters);
        return (input.to(scale.dtype) * scale).to(input.dtype);
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        if (IsFeedforward)
        {
            return baseOutput;
        }

        return (baseOutput * Product(adapters)).to(baseOutput.dtype);
    }

    // weight·l broadcasts l (d_out, 1) over rows, diag(l)·W, or l (1, d_in) over columns, W·diag(l).
    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        var scale = Scale(adapterName).detach().to(weight.dtype);
        var newBias = bias is not null && !IsFeedforward ? bias * scale.flatten() : bias;
        return (weight * scale, newBias, null);
    }

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var scale = Scale(adapterName).detach();
        var type = ComputeType(weight.dtype);
        weight.copy_((weight.to(type) / (scale.to(type) + UnmergeEpsilon)).to(weight.dtype));
        if (bias is not null && !IsFeedforward)
        {
            bias.copy_((bias.to(type) / (scale.to(type).flatten() + UnmergeEpsilon)).to(bias.dtype));
        }
    }

    private static string Describe(bool feedforward) => feedforward ? "feed-forward" : "not feed-forward";

    private Tensor Product(IReadOnlyList<string> adapters)
    {
        Tensor product = Scale(adapters[0]).flatten();
        for (int i = 1; i < adapters.Count; i++)
        {
            product = product * Scale(adapters[i]).flatten();
        }

        return product;
    }
}
