// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.RandLora;

/// <summary>
/// RandLoRA on a <see cref="Linear"/> target: <c>y = base(x) + s·(dropout(x)·Pᵀ)·Qᵀ</c>, <c>ΔW = s·Q·P</c>, where P and Q
/// are the scaled bases of <see cref="ScaledBases"/>. The trainable scalings are named as PEFT names them in memory
/// (<c>randlora_lambda.{adapter}</c>, <c>randlora_gamma.{adapter}</c>). The shared bases are not registered here, so they
/// are not counted once per layer; but PEFT's layers hold a reference to them, so PEFT's file carries them under each
/// layer's key as well as under <c>base_model.</c>, and <see cref="AdapterBuffers"/> names them so for saving.
/// </summary>
internal sealed class RandLoraLinear : TunerLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterParameterDict _lambda = new();
    private readonly AdapterParameterDict _gamma = new();
    private readonly Dictionary<string, (RandLoraAdapterSettings Settings, SharedAdapterTensors Bases)> _adapters = new(StringComparer.Ordinal);

    internal RandLoraLinear(string modulePath, Linear target)
        : base(nameof(RandLoraLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("randlora_lambda", _lambda);
        register_module("randlora_gamma", _gamma);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _adapters.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    private long MinDim => Math.Min(_baseLinear.in_features, _baseLinear.out_features);

    private long MaxDim => Math.Max(_baseLinear.in_features, _baseLinear.out_features);

    internal Parameter Lambda(string adapterName) => _lambda[adapterName];

    internal Parameter Gamma(string adapterName) => _gamma[adapterName];

    internal void AddAdapter(string adapterName, RandLoraAdapterSettings settings, SharedAdapterTensors bases)
    {
        if (_adapters.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        long count = RandLoraMethod.BasesCount(MinDim, settings.Rank);

        // PEFT: λ = 0 and γ = 1/max(γ's shape) when initialized; otherwise λ ~ N(0, 1) and γ = 1/max(d_in, d_out).
        var lambda = settings.InitWeights ? zeros(new[] { settings.Rank, count }, type, device) : randn(new[] { settings.Rank, count }, type, device);
        double gammaValue = settings.InitWeights ? 1.0 / Math.Max(count, MinDim) : 1.0 / MaxDim;
        var gamma = full(new[] { count, MinDim }, gammaValue, type, device);
        _lambda.Add(adapterName, new Parameter(lambda, requires_grad: true));
        _gamma.Add(adapterName, new Parameter(gamma, requires_grad: true));
        _adapters[adapterName] = (settings, bases);
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_adapters.Remove(adapterName))
        {
            _lambda.Remove(adapterName);
            _gamma.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    /// <summary>
    /// The shared bases under this layer's keys (<c>randlora_A.{adapter}</c>, <c>randlora_B.{adapter}</c>) when they are
    /// saved: every RandLoRA release of PEFT (0.16 on) writes its layers' references to them beside <c>base_model.randlora_A</c>
    /// and reports the per-layer keys as missing when a file lacks them. They are the shared tensors themselves, not copies.
    /// </summary>
    internal override IEnumerable<(string Name, Tensor Buffer)> AdapterBuffers(string adapterName)
    {
        var bases = _adapters[adapterName].Bases;
        return bases.Persistent
            ? new[] { ($"{RandLoraMethod.BasisA}.{adapterName}", bases[RandLoraMethod.BasisA]), ($"{RandLoraMethod.BasisB}.{adapterName}", bases[RandLoraMethod.BasisB]) }
            : Array.Empty<(string, Tensor)>();
    }

    /// <summary>
    /// PEFT's <c>get_scaled_bases</c>, returned as (P, Q) with <c>ΔW = s·Q·P</c>:
    /// <c>UA = (λ[:, :, None] ⊙ A[:, :N, :min] ⊙ γ[None])</c> flattened over its first two dims (row i·N + n, (r·N) × min),
    /// <c>UB = B[:max, :N, :]</c> flattened over its last two dims (column n·r + i, max × (N·r)). The two orders differ;
    /// that is PEFT's fixed pairing of bases and is kept for parity. When min = d_in, P = UA and Q = UB; else P = UBᵀ, Q = UAᵀ.
    /// </summary>
    internal (Tensor P, Tensor Q) ScaledBases(string adapterName, ScalarType type)
    {
        var bases = _adapters[adapterName].Bases;
        var lambda = Lambda(adapterName).to(type);
        var gamma = Gamma(adapterName).to(type);
        long count = lambda.shape[1];
        var slicedA = bases[RandLoraMethod.BasisA].narrow(2, 0, MinDim).to(type, lambda.device);
        var slicedB = bases[RandLoraMethod.BasisB].narrow(0, 0, MaxDim).narrow(1, 0, count).to(type, lambda.device);
        var updateA = (lambda.unsqueeze(-1) * slicedA * gamma.unsqueeze(0)).flatten(0, 1);
        var updateB = slicedB.flatten(1);
        return MinDim == _baseLinear.in_features ? (updateA, updateB) : (updateB.t(), updateA.t());
    }

    /// <summary>ΔW = s·Q·P, computed in float32 for half-precision weights.</summary>
    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        return Delta(adapterName, ComputeType(BaseWeight.dtype)).to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var settings = _adapters[adapter].Settings;
            var (p, q) = ScaledBases(adapter, Lambda(adapter).dtype);
            var x = input.dtype == p.dtype ? input : input.to(p.dtype);
            var dropped = training && settings.Dropout > 0 ? nn.functional.dropout(x, settings.Dropout, training: true) : x;
            result = result + (nn.functional.linear(nn.functional.linear(dropped, p), q) * settings.Scaling);
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        (weight + Delta(adapterName, weight.dtype), bias, null);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        var type = ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - Delta(adapterName, type));
    }

    private Tensor Delta(string adapterName, ScalarType type)
    {
        var (p, q) = ScaledBases(adapterName, type);
        return q.matmul(p) * _adapters[adapterName].Settings.Scaling;
    }
}
