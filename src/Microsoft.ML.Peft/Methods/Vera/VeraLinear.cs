// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Vera;

/// <summary>
/// VeRA on a <see cref="Linear"/> target: <c>y = base(x) + λ_b ⊙ ((λ_d ⊙ (dropout(x)·A_slᵀ))·B_slᵀ)</c> with
/// <c>A_sl = vera_A[:, :d_in]</c>, <c>B_sl = vera_B[:d_out, :]</c>. The trainable vectors are named as PEFT names them in
/// memory (<c>vera_lambda_b.{adapter}</c>, <c>vera_lambda_d.{adapter}</c>); the shared projections are not registered
/// here, so they are neither saved nor counted once per layer.
/// </summary>
internal sealed class VeraLinear : TunerLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterParameterDict _lambdaB = new();
    private readonly AdapterParameterDict _lambdaD = new();
    private readonly Dictionary<string, (VeraAdapterSettings Settings, SharedAdapterTensors Projections)> _adapters = new(StringComparer.Ordinal);

    internal VeraLinear(string modulePath, Linear target)
        : base(nameof(VeraLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("vera_lambda_b", _lambdaB);
        register_module("vera_lambda_d", _lambdaD);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _adapters.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Parameter LambdaB(string adapterName) => _lambdaB[adapterName];

    internal Parameter LambdaD(string adapterName) => _lambdaD[adapterName];

    /// <summary>The layer's slices of the shared projections: A[:, :d_in] and B[:d_out, :] (views, not copies).</summary>
    internal (Tensor A, Tensor B) Slices(string adapterName)
    {
        var projections = _adapters[adapterName].Projections;
        var a = projections[VeraMethod.ProjectionA].narrow(1, 0, _baseLinear.in_features);
        var b = projections[VeraMethod.ProjectionB].narrow(0, 0, _baseLinear.out_features);
        return (a, b);
    }

    internal void AddAdapter(string adapterName, VeraAdapterSettings settings, SharedAdapterTensors projections)
    {
        if (_adapters.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        var lambdaB = settings.InitWeights
            ? zeros(_baseLinear.out_features, type, device)
            : ones(_baseLinear.out_features, type, device);
        var lambdaD = settings.InitWeights
            ? full(settings.Rank, settings.DInitial, type, device)
            : randn(settings.Rank, type, device);
        _lambdaB.Add(adapterName, new Parameter(lambdaB, requires_grad: true));
        _lambdaD.Add(adapterName, new Parameter(lambdaD, requires_grad: true));
        _adapters[adapterName] = (settings, projections);
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_adapters.Remove(adapterName))
        {
            _lambdaB.Remove(adapterName);
            _lambdaD.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    /// <summary>ΔW = diag(λ_b)·B_sl·diag(λ_d)·A_sl, computed in float32 for half-precision weights.</summary>
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
            var lambdaB = LambdaB(adapter);
            var lambdaD = LambdaD(adapter);
            var (a, b) = Slices(adapter);
            var x = input.dtype == lambdaD.dtype ? input : input.to(lambdaD.dtype);
            var dropped = training && settings.Dropout > 0 ? nn.functional.dropout(x, settings.Dropout, training: true) : x;
            var hidden = lambdaD * nn.functional.linear(dropped, a.to(x.dtype, x.device));
            result = result + lambdaB * nn.functional.linear(hidden, b.to(x.dtype, x.device));
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
        var (a, b) = Slices(adapterName);
        var lambdaB = LambdaB(adapterName).to(type).unsqueeze(-1);
        var lambdaD = LambdaD(adapterName).to(type).unsqueeze(-1);
        return (lambdaB * b.to(type)).matmul(lambdaD * a.to(type));
    }
}
