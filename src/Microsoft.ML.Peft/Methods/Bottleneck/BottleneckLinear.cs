// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Bottleneck;

/// <summary>
/// A bottleneck adapter on a <see cref="Linear"/> target. Sequential: <c>h ← h + scaling·up(act(down(h)))</c> on the
/// target's output h. Parallel: <c>h ← h + scaling·up(act(down(x)))</c> with x the target's input. In-memory names:
/// <c>adapter_down.{adapter}.weight/bias</c> and <c>adapter_up.{adapter}.weight/bias</c>.
/// </summary>
internal sealed class BottleneckLinear : TunerLayer
{
    private const double BertInitStd = 0.02;

    private readonly Linear _baseLinear;
    private readonly AdapterModuleDict<Linear> _down = new();
    private readonly AdapterModuleDict<Linear> _up = new();
    private readonly Dictionary<string, BottleneckConfig> _configs = new(StringComparer.Ordinal);

    internal BottleneckLinear(string modulePath, Linear target)
        : base(nameof(BottleneckLinear), modulePath, target)
    {
        _baseLinear = target;

        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("adapter_down", _down);
        register_module("adapter_up", _up);
    }

    internal override IReadOnlyCollection<string> AdapterNames => _configs.Keys;

    internal override Tensor BaseWeight => _baseLinear.weight;

    internal override Tensor? BaseBias => _baseLinear.bias;

    internal Linear Down(string adapterName) => _down[adapterName];

    internal Linear Up(string adapterName) => _up[adapterName];

    /// <summary>The bottleneck size: ⌊d_out / reduction_factor⌋, at least 1, as adapter-hub.</summary>
    internal static long BottleneckSize(long hiddenSize, double reductionFactor) => Math.Max(1, (long)Math.Floor(hiddenSize / reductionFactor));

    internal void AddAdapter(string adapterName, BottleneckConfig config)
    {
        if (_configs.ContainsKey(adapterName))
        {
            throw new InvalidOperationException($"Module '{ModulePath}' already has an adapter named '{adapterName}'.");
        }

        using var scope = NewDisposeScope();
        long outFeatures = _baseLinear.out_features;
        long inFeatures = config.IsParallel ? _baseLinear.in_features : outFeatures;
        long size = BottleneckSize(outFeatures, config.ReductionFactor);
        var device = BaseWeight.device;
        var type = BaseWeight.dtype;
        var down = nn.Linear(inFeatures, size, hasBias: true, device: device, dtype: type);
        var up = nn.Linear(size, outFeatures, hasBias: true, device: device, dtype: type);
        using (no_grad())
        {
            if (config.InitWeights == "mam_adapter")
            {
                AdapterInitialization.KaimingUniformSqrt5(down.weight);
                up.weight.zero_();
            }
            else
            {
                down.weight.normal_(0, BertInitStd);
                up.weight.normal_(0, BertInitStd);
            }

            down.bias!.zero_();
            up.bias!.zero_();
        }

        _down.Add(adapterName, down);
        _up.Add(adapterName, up);
        _configs[adapterName] = (BottleneckConfig)config.Clone();
    }

    internal override void DeleteAdapter(string adapterName)
    {
        if (_configs.Remove(adapterName))
        {
            _down.Remove(adapterName);
            _up.Remove(adapterName);
            ActiveAdapters = ActiveAdapters.Where(a => a != adapterName).ToArray();
        }
    }

    internal override Tensor GetDeltaWeight(string adapterName) => throw NotMergeable(adapterName);

    protected override Tensor ApplyAdapters(Tensor input, Tensor baseOutput, IReadOnlyList<string> adapters, bool training)
    {
        var result = baseOutput;
        foreach (string adapter in adapters)
        {
            var config = _configs[adapter];
            var down = Down(adapter);

            // Sequential adapters chain: each reads the output of the previous one, as adapter-hub's Stack.
            var source = config.IsParallel ? input : result;
            var x = source.dtype == down.weight.dtype ? source : source.to(down.weight.dtype);
            var update = Up(adapter).call(Activate(down.call(x), config.NonLinearity)) * config.Scaling;
            result = result + update.to(baseOutput.dtype);
        }

        return result;
    }

    protected override (Tensor Weight, Tensor? Bias, Tensor? UnmergeState) MergeInto(Tensor weight, Tensor? bias, string adapterName) =>
        throw NotMergeable(adapterName);

    protected override void UnmergeFrom(Tensor weight, Tensor? bias, string adapterName, Tensor? unmergeState) =>
        throw NotMergeable(adapterName);

    /// <summary>The activation by adapter-hub's (transformers') name; swish and silu are the same function.</summary>
    internal static Tensor Activate(Tensor x, string name) => name.ToLowerInvariant() switch
    {
        "relu" => nn.functional.relu(x),
        "swish" or "silu" => nn.functional.silu(x),
        "gelu" => nn.functional.gelu(x),
        "gelu_new" => 0.5 * x * (1 + tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3)))),
        "tanh" => tanh(x),
        "sigmoid" => sigmoid(x),
        "leakyrelu" => nn.functional.leaky_relu(x, 0.01),
        _ => throw new NotSupportedException($"Non-linearity '{name}' is not supported."),
    };

    private NotSupportedException NotMergeable(string adapterName) =>
        new($"Bottleneck adapter '{adapterName}' on '{ModulePath}' cannot be merged: its non-linearity has no weight-delta form.");
}
