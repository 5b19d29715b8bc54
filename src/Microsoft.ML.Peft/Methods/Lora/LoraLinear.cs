// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>
/// LoRA on a <see cref="Linear"/> target: <c>y = base(x) + s·B(A(dropout(x)))</c>, or DoRA's rescaled form.
/// Tensors are named as PEFT names them in memory: <c>lora_A.{adapter}.weight</c>, <c>lora_B.{adapter}.weight</c>
/// (and <c>.bias</c> with lora_bias), <c>lora_magnitude_vector.{adapter}</c>.
/// </summary>
internal sealed class LoraLinear : LoraLayer
{
    private readonly Linear _baseLinear;
    private readonly AdapterModuleDict<Linear> _loraA = new();
    private readonly AdapterModuleDict<Linear> _loraB = new();
    private readonly AdapterParameterDict _magnitude = new();
    private readonly Dictionary<string, ILoraLinearVariant> _variants = new(StringComparer.Ordinal);

    // A₀ and B₀ of PiSSA/OLoRA adapters, kept so the adapter can be saved as a plain LoRA of the original base.
    private readonly Dictionary<string, (Tensor A, Tensor B)> _initialFactors = new(StringComparer.Ordinal);

    internal LoraLinear(string modulePath, Linear target)
        : base(nameof(LoraLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("lora_A", _loraA);
        register_module("lora_B", _loraB);
        register_module("lora_magnitude_vector", _magnitude);
    }

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Linear A(string adapterName) => _loraA[adapterName];

    internal Linear B(string adapterName) => _loraB[adapterName];

    internal Parameter Magnitude(string adapterName) => _magnitude[adapterName];

    internal override (Tensor A, Tensor B) Factors(string adapterName) => (A(adapterName).weight, B(adapterName).weight);

    internal override Tensor GetDeltaWeight(string adapterName)
    {
        using var scope = NewDisposeScope();
        var type = ComputeType(BaseWeight.dtype);
        var delta = B(adapterName).weight.to(type).matmul(A(adapterName).weight.to(type)) * Settings(adapterName).Scaling;
        return delta.to(BaseWeight.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>‖W + s·B·A‖ per output row (one value per output unit).</summary>
    internal static Tensor RowNorm(Tensor weightPlusDelta) => linalg.vector_norm(weightPlusDelta, 2, new long[] { 1 });

    protected override void CreateAdapter(string adapterName, LoraAdapterSettings settings)
    {
        long inFeatures = _baseLinear.in_features;
        long outFeatures = _baseLinear.out_features;
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        if (settings.UseLoraBias && BaseBias is null)
        {
            throw new InvalidOperationException($"`{nameof(LoraConfig.UseLoraBias)}` needs a bias on the target, but '{ModulePath}' has none.");
        }

        var a = nn.Linear(inFeatures, settings.Rank, hasBias: false, device: device, dtype: type);
        var b = nn.Linear(settings.Rank, outFeatures, hasBias: settings.UseLoraBias, device: device, dtype: type);
        Initialize(adapterName, a, b, settings);
        _loraA.Add(adapterName, a);
        _loraB.Add(adapterName, b);

        ILoraLinearVariant variant = settings.UseDora ? DoraLinearVariant.Instance : PlainLoraLinearVariant.Instance;
        _variants[adapterName] = variant;
        if (settings.UseDora)
        {
            // m starts as the row norm of W + s·B·A, computed in the weight's own dtype, as in PEFT.
            using var noGrad = no_grad();
            var norm = RowNorm(BaseWeight + b.weight.matmul(a.weight) * settings.Scaling);
            _magnitude.Add(adapterName, new Parameter(norm.detach().clone(), requires_grad: true));
        }
    }

    protected override void RemoveAdapter(string adapterName)
    {
        _loraA.Remove(adapterName);
        _loraB.Remove(adapterName);
        if (_magnitude.Contains(adapterName))
        {
            _magnitude.Remove(adapterName);
        }

        _variants.Remove(adapterName);
        if (_initialFactors.Remove(adapterName, out var initial))
        {
            initial.A.Dispose();
            initial.B.Dispose();
        }
    }

    /// <summary>
    /// PEFT's subtract_mutated_init: A' = [A; A₀], B' = [B, −B₀] (rank 2r) gives ΔW' = s·(B·A − B₀·A₀), which on the
    /// original W equals W_res + s·B·A. Null for adapters whose initialization left the base untouched.
    /// </summary>
    internal override IReadOnlyDictionary<string, Tensor>? TensorsForOriginalBase(string adapterName)
    {
        if (!_initialFactors.TryGetValue(adapterName, out var initial))
        {
            return null;
        }

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["lora_A.weight"] = cat(new[] { A(adapterName).weight.detach(), initial.A }, 0),
            ["lora_B.weight"] = cat(new[] { B(adapterName).weight.detach(), -initial.B }, 1),
        };
        if (B(adapterName).bias is { } bias)
        {
            tensors["lora_B.bias"] = bias.detach();
        }

        return tensors;
    }

    internal override void MoveState(Device device)
    {
        base.MoveState(device);
        foreach (string adapter in _initialFactors.Keys.ToList())
        {
            var (a, b) = _initialFactors[adapter];
            _initialFactors[adapter] = (StoredTensors.MoveTo(a, device), StoredTensors.MoveTo(b, device));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var (a, b) in _initialFactors.Values)
            {
                a.Dispose();
                b.Dispose();
            }

            _initialFactors.Clear();
        }

        base.Dispose(disposing);
    }

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var a = A(adapter);
            var x = input.dtype == a.weight.dtype ? input : input.to(a.weight.dtype);
            result = _variants[adapter].Forward(this, adapter, x, result, training);
        }

        return result.dtype == baseOutput.dtype ? result : result.to(baseOutput.dtype);
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        _variants[adapterName].Merge(this, adapterName, weight, bias);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState) =>
        _variants[adapterName].Unmerge(this, adapterName, weight, bias, unmergeState);

    private void Initialize(string adapterName, Linear a, Linear b, LoraAdapterSettings settings)
    {
        using var noGrad = no_grad();
        switch (settings.Initialization)
        {
            case LoraInitialization.Default:
                AdapterInitialization.KaimingUniformSqrt5(a.weight);
                ZeroB(b);
                break;
            case LoraInitialization.Gaussian:
                LoraInitializer.Gaussian(a.weight, settings.Rank);
                ZeroB(b);
                break;
            case LoraInitialization.Random:
                // nn.Linear's own Kaiming-uniform initialization of both matrices: not a no-op, as PEFT's init_lora_weights=False.
                break;
            case LoraInitialization.PiSSA:
                Decomposed(adapterName, a, b, LoraInitializer.PiSSA(BaseWeight, settings.Rank, settings.Scaling, settings.PissaIterations));
                break;
            case LoraInitialization.OLoRA:
                Decomposed(adapterName, a, b, LoraInitializer.OLoRA(BaseWeight, settings.Rank, settings.Scaling));
                break;
            default:
                throw new NotSupportedException($"LoRA initialization {settings.Initialization} is not supported.");
        }
    }

    private static void ZeroB(Linear b)
    {
        b.weight.zero_();
        b.bias?.zero_();
    }

    private void Decomposed(string adapterName, Linear a, Linear b, (Tensor A, Tensor B, Tensor Residual) init)
    {
        if (init.A.shape[0] != a.weight.shape[0] || init.B.shape[1] != b.weight.shape[1])
        {
            throw new InvalidOperationException(
                $"Rank {a.weight.shape[0]} exceeds the rank available in '{ModulePath}' ({init.A.shape[0]}); lower `{nameof(LoraConfig.Rank)}`.");
        }

        a.weight.copy_(init.A);
        b.weight.copy_(init.B);
        b.bias?.zero_();
        BaseWeight.copy_(init.Residual);
        _initialFactors[adapterName] = (a.weight.detach().clone().DetachFromDisposeScope(), b.weight.detach().clone().DetachFromDisposeScope());
    }
}
