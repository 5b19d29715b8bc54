// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Paca;

/// <summary>
/// PaCA on a <see cref="Linear"/> target: the base output plus <c>x[..., idx]·(s·paca_w − W[:, idx])ᵀ</c>, which equals
/// <c>x·W_effᵀ + b</c> with the columns <c>idx</c> of W replaced by <c>s·paca_w</c>. The base weight is never written
/// during training (the reference implementation overwrites it in place each step). In-memory names:
/// <c>paca_w.{adapter}</c> (d_out × r) and the buffer <c>paca_indices.{adapter}</c> (r).
/// </summary>
internal sealed class PacaLinear : TunerLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterParameterDict _weights = new();
    private readonly AdapterBufferDict _indices = new();
    private readonly Dictionary<string, double> _scales = new(StringComparer.Ordinal);

    internal PacaLinear(string modulePath, Linear target)
        : base(nameof(PacaLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("paca_w", _weights);
        register_module("paca_indices", _indices);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _scales.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Parameter Weight(string adapterName) => _weights[adapterName];

    internal Tensor Indices(string adapterName) => _indices[adapterName];

    internal double Scale(string adapterName) => _scales[adapterName];

    /// <summary>Draws the columns (randperm(d_in)[:r] from TorchSharp's generator) and starts paca_w at W[:, idx] / s, a no-op.</summary>
    internal void AddAdapter(string adapterName, int rank, double scale)
    {
        if (_scales.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        long inFeatures = _baseLinear.in_features;
        if (rank > inFeatures)
        {
            throw new ArgumentOutOfRangeException(
                nameof(PacaConfig.Rank), rank, $"`{nameof(PacaConfig.Rank)}` = {rank} exceeds the {inFeatures} input features of '{ModulePath}'; choose at most {inFeatures}.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var indices = randperm(inFeatures, dtype: ScalarType.Int64).narrow(0, 0, rank).to(BaseWeight.device).contiguous();
        var weight = (BaseWeight.index_select(1, indices) / scale).contiguous();
        _indices.Add(adapterName, indices.clone());
        _weights.Add(adapterName, new Parameter(weight.detach().clone(), requires_grad: true));
        _scales[adapterName] = scale;
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_scales.Remove(adapterName))
        {
            _weights.Remove(adapterName);
            _indices.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    internal override IEnumerable<(string Name, Tensor Buffer)> AdapterBuffers(string adapterName) =>
        named_buffers().Where(b => Formats.PeftStateDictKeys.BelongsToAdapter(b.name, adapterName)).ToList();

    /// <summary>ΔW: zero except the columns idx, which hold <c>s·paca_w − W[:, idx]</c>.</summary>
    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = ComputeType(BaseWeight.dtype);
        var indices = Indices(adapterName);
        var columns = Weight(adapterName).detach().to(type) * Scale(adapterName) - BaseWeight.detach().to(type).index_select(1, indices);
        var delta = zeros_like(BaseWeight, dtype: type).index_copy_(1, indices, columns);
        return delta.to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds <c>x[..., idx]·(s·paca_w − W[:, idx])ᵀ</c>. The memory saving comes from the backward formulas of these two
    /// operations: index_select keeps only the indices and the input's shape, the matmul keeps the gathered
    /// <c>x[..., idx]</c> (… × r) and the r columns, and the frozen base matmul keeps only W, so the layer input is not
    /// kept alive for the backward pass. A TorchSharp custom autograd function was measured to cost more: it keeps an
    /// output-sized tensor per call until the backward pass.
    /// </summary>
    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var weight = Weight(adapter);
            var indices = Indices(adapter);
            var x = input.dtype == weight.dtype ? input : input.to(weight.dtype);
            var columns = weight * Scale(adapter) - BaseWeight.detach().to(weight.dtype).index_select(1, indices);
            var correction = x.index_select(-1, indices).matmul(columns.t());
            result = result + correction.to(baseOutput.dtype);
        }

        return result;
    }

    // Exact: the columns are written, and unmerge puts back the stored original columns W₀[:, idx].
    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        var indices = Indices(adapterName);
        var original = weight.index_select(1, indices);
        var columns = Weight(adapterName).detach().to(weight.dtype) * Scale(adapterName);
        return (weight.clone().index_copy_(1, indices, columns), bias, original);
    }

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState) =>
        weight.index_copy_(1, Indices(adapterName), unmergeState!.to(weight.dtype));
}
