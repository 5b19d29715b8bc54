// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.IA3;

/// <summary>
/// (IA)³ on a <see cref="Conv2d"/> target, as PEFT's: one vector <c>ia3_l.{adapter}</c> of shape (1, C, 1, 1) that broadcasts over
/// NCHW activations. A module that is not feed-forward scales its output channels (C = out_channels, bias included); a
/// feed-forward module scales its input channels (C = in_channels) before the convolution runs. Several active adapters
/// multiply their vectors.
/// </summary>
internal sealed class IA3Conv2d : TunerLayer
{
    private readonly Conv2d _baseConv;
    private readonly AdapterParameterDict _scales = new();
    private readonly List<string> _adapterNames = new();
    private bool? _isFeedforward;

    internal IA3Conv2d(string modulePath, Conv2d target)
        : base(nameof(IA3Conv2d), modulePath, target)
    {
        _baseConv = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("ia3_l", _scales);
    }

    /// <summary>Whether the layer scales the input (feed-forward) rather than the output; fixed by its first adapter.</summary>
    internal bool IsFeedforward => _isFeedforward ?? false;

    internal override IReadOnlyCollection<string> AdapterNames => _adapterNames;

    internal override Tensor BaseWeight => _baseConv.weight;

    internal override Tensor? BaseBias => _baseConv.bias;

    protected override bool TransformsInput => true;

    internal Parameter Scale(string adapterName) => _scales[adapterName];

    /// <summary>Creates the adapter's vector on the kernel's device and dtype: ones, or standard normal values without init.</summary>
    internal void AddAdapter(string adapterName, bool isFeedforward, bool initializeWeights)
    {
        if (_adapterNames.Contains(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        if (_isFeedforward is bool existing && existing != isFeedforward)
        {
            // As on linear layers: one layer has one orientation, so every saved adapter describes its own shape.
            throw new InvalidOperationException(
                $"Module '{ModulePath}' is {Describe(existing)} for its existing adapters but {Describe(isFeedforward)} for '{adapterName}'; "
                + $"give both adapters the same `{nameof(IA3Config.FeedforwardModules)}`.");
        }

        using var scope = NewDisposeScope();
        long channels = isFeedforward ? _baseConv.in_channels : _baseConv.out_channels;
        long[] shape = { 1, channels, 1, 1 };
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

    /// <summary>ΔW of the merge: the kernel scaled per output channel (or per input channel when feed-forward) minus the kernel.</summary>
    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = ComputeType(BaseWeight.dtype);
        var weight = BaseWeight.detach().to(type);
        var delta = (weight * KernelScale(adapterName, type)) - weight;
        return delta.to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    // A grouped kernel holds in_channels / groups input channels, so an input-channel vector does not line up with it (PEFT's
    // merge fails the same way, on a broadcast error); the unmerged adapter still works.
    protected override void CheckMerge(IReadOnlyList<string> adapterNames)
    {
        if (IsFeedforward && _baseConv.groups > 1)
        {
            throw new NotSupportedException(
                $"(IA)³ on feed-forward Conv2d module '{ModulePath}' with groups = {_baseConv.groups} cannot be merged: its input-channel vector "
                + "does not fold into a grouped kernel. Use the adapter unmerged.");
        }
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

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training) =>
        IsFeedforward ? baseOutput : (baseOutput * Product(adapters)).to(baseOutput.dtype);

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        var newBias = bias is not null && !IsFeedforward ? bias * Scale(adapterName).detach().to(bias.dtype).flatten() : bias;
        return (weight * KernelScale(adapterName, weight.dtype), newBias, null);
    }

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var type = ComputeType(weight.dtype);
        weight.copy_((weight.to(type) / (KernelScale(adapterName, type) + IA3Linear.UnmergeEpsilon)).to(weight.dtype));
        if (bias is not null && !IsFeedforward)
        {
            var scale = Scale(adapterName).detach().to(type).flatten();
            bias.copy_((bias.to(type) / (scale + IA3Linear.UnmergeEpsilon)).to(bias.dtype));
        }
    }

    private static string Describe(bool feedforward) => feedforward ? "feed-forward" : "not feed-forward";

    // l laid over the kernel (out, in, kh, kw): (out, 1, 1, 1) for output scaling, PEFT's transpose(0, 1); (1, in, 1, 1) as is
    // for input scaling.
    private Tensor KernelScale(string adapterName, ScalarType type)
    {
        var scale = Scale(adapterName).detach().to(type);
        return IsFeedforward ? scale : scale.transpose(0, 1);
    }

    private Tensor Product(IReadOnlyList<string> adapters)
    {
        Tensor product = Scale(adapters[0]);
        for (int i = 1; i < adapters.Count; i++)
        {
            product = product * Scale(adapters[i]);
        }

        return product;
    }
}
