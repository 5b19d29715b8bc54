// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.DyLora;

/// <summary>
/// DyLoRA on a <see cref="Linear"/> target: at rank b, <c>y = base(x) + (α/b)·B[:, :b]·A[:b]·dropout(x)</c>. Tensors are
/// named <c>dylora_A.{adapter}.weight</c> (r_max×d_in) and <c>dylora_B.{adapter}.weight</c> (d_out×r_max).
/// </summary>
internal sealed class DyLoraLinear : TunerLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterModuleDict<Linear> _a = new();
    private readonly AdapterModuleDict<Linear> _b = new();
    private readonly Dictionary<string, DyLoraAdapterSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _evaluationRanks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _trainingSteps = new(StringComparer.Ordinal);

    internal DyLoraLinear(string modulePath, Linear target)
        : base(nameof(DyLoraLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("dylora_A", _a);
        register_module("dylora_B", _b);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _settings.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Linear A(string adapterName) => _a[adapterName];

    internal Linear B(string adapterName) => _b[adapterName];

    internal DyLoraAdapterSettings Settings(string adapterName) => _settings[adapterName];

    /// <summary>How many training forwards the adapter has run; the next one draws its rank from this count.</summary>
    internal long TrainingSteps(string adapterName) => _trainingSteps[adapterName];

    internal int EvaluationRank(string adapterName) => _evaluationRanks[adapterName];

    internal void SetEvaluationRank(string adapterName, int rank)
    {
        int maxRank = _settings[adapterName].MaxRank;
        if (rank < 1 || rank > maxRank)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The DyLoRA rank must be within [1, {maxRank}] (r_max of adapter '{adapterName}'), got {rank}.");
        }

        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}' at rank {_evaluationRanks[adapterName]}; unmerge it before changing the rank.");
        }

        _evaluationRanks[adapterName] = rank;
    }

    /// <summary>Creates A (Kaiming-uniform, a = √5) and B (zeros) of rank r_max on the base weight's device and dtype.</summary>
    internal void AddAdapter(string adapterName, DyLoraAdapterSettings settings, int evaluationRank)
    {
        if (_settings.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        var a = nn.Linear(_baseLinear.in_features, settings.MaxRank, hasBias: false, device: device, dtype: type);
        var b = nn.Linear(settings.MaxRank, _baseLinear.out_features, hasBias: false, device: device, dtype: type);
        using (no_grad())
        {
            AdapterInitialization.KaimingUniformSqrt5(a.weight);
            b.weight.zero_();
        }

        _a.Add(adapterName, a);
        _b.Add(adapterName, b);
        _settings[adapterName] = settings;
        _evaluationRanks[adapterName] = evaluationRank;
        _trainingSteps[adapterName] = 0;
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (MergedAdapters.Contains(adapterName))
        {
            throw new InvalidOperationException($"Adapter '{adapterName}' is merged into '{ModulePath}'; unmerge it before deleting it.");
        }

        if (_settings.Remove(adapterName))
        {
            _a.Remove(adapterName);
            _b.Remove(adapterName);
            _evaluationRanks.Remove(adapterName);
            _trainingSteps.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        return Delta(adapterName, _evaluationRanks[adapterName], ComputeType(BaseWeight.dtype)).to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>The first <paramref name="rank"/> rows of A and columns of B; with frozen lower ranks only the last of them carries gradient.</summary>
    internal (Tensor A, Tensor B) Truncated(string adapterName, int rank, bool training)
    {
        var a = A(adapterName).weight.narrow(0, 0, rank);
        var b = B(adapterName).weight.narrow(1, 0, rank);
        if (training && rank > 1 && _settings[adapterName].FrozenLowerRanks)
        {
            a = cat(new[] { a.narrow(0, 0, rank - 1).detach(), a.narrow(0, rank - 1, 1) }, 0);
            b = cat(new[] { b.narrow(1, 0, rank - 1).detach(), b.narrow(1, rank - 1, 1) }, 1);
        }

        return (a, b);
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var settings = _settings[adapter];
            int rank = training ? NextTrainingRank(adapter) : _evaluationRanks[adapter];
            var (a, b) = Truncated(adapter, rank, training);
            var x = input.dtype == a.dtype ? input : input.to(a.dtype);
            var dropped = training && settings.Dropout > 0 ? nn.functional.dropout(x, settings.Dropout, training: true) : x;
            result = result + nn.functional.linear(nn.functional.linear(dropped, a), b) * settings.Scaling(rank);
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    // The merged rank is kept as unmerge state, so unmerge subtracts exactly what was added.
    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName)
    {
        int rank = _evaluationRanks[adapterName];
        return (weight + Delta(adapterName, rank, weight.dtype), bias, tensor((long)rank));
    }

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState)
    {
        int rank = unmergeState is null ? _evaluationRanks[adapterName] : (int)unmergeState.item<long>();
        var type = ComputeType(weight.dtype);
        weight.copy_(weight.to(type) - Delta(adapterName, rank, type));
    }

    private int NextTrainingRank(string adapterName)
    {
        long step = _trainingSteps[adapterName];
        _trainingSteps[adapterName] = step + 1;
        var settings = _settings[adapterName];
        return DyLoraRankSampler.Sample(settings.Seed, step, settings.MaxRank);
    }

    /// <summary>ΔW_b = (α/b)·B[:, :b]·A[:b] in <paramref name="type"/>.</summary>
    private Tensor Delta(string adapterName, int rank, ScalarType type)
    {
        var (a, b) = Truncated(adapterName, rank, training: false);
        return b.to(type).matmul(a.to(type)) * _settings[adapterName].Scaling(rank);
    }
}
