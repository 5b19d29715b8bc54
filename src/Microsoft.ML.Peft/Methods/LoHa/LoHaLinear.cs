// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lycoris;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoHa;

/// <summary>
/// LoHa on a <see cref="Linear"/> target: ΔW = s·(w1_a·w1_b) ⊙ (w2_a·w2_b), with w1_a, w2_a of shape d_out×r and w1_b,
/// w2_b of shape r×d_in. Tensors are raw parameters named as PEFT names them in memory: <c>hada_w1_a.{adapter}</c>,
/// <c>hada_w1_b.{adapter}</c>, <c>hada_w2_a.{adapter}</c>, <c>hada_w2_b.{adapter}</c>.
/// </summary>
/// <remarks>
/// PEFT computes the product in a custom autograd function that saves only the four factors and recomputes the two
/// rank-r products in the backward pass, to save memory. Here ordinary autograd differentiates the same expression,
/// which gives the same gradients and keeps the two d_out×d_in products alive until the backward pass.
/// </remarks>
internal sealed class LoHaLinear : LycorisLinear
{
    private readonly AdapterParameterDict _w1A = new();
    private readonly AdapterParameterDict _w1B = new();
    private readonly AdapterParameterDict _w2A = new();
    private readonly AdapterParameterDict _w2B = new();
    private readonly Dictionary<string, LoHaAdapterSettings> _settings = new(StringComparer.Ordinal);

    internal LoHaLinear(string modulePath, Linear target)
        : base(nameof(LoHaLinear), modulePath, target)
    {
        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("hada_w1_a", _w1A);
        register_module("hada_w1_b", _w1B);
        register_module("hada_w2_a", _w2A);
        register_module("hada_w2_b", _w2B);
    }

    internal LoHaAdapterSettings Settings(string adapterName) => _settings[adapterName];

    internal (Parameter W1A, Parameter W1B, Parameter W2A, Parameter W2B) Factors(string adapterName) =>
        (_w1A[adapterName], _w1B[adapterName], _w2A[adapterName], _w2B[adapterName]);

    internal void AddAdapter(string adapterName, LoHaAdapterSettings settings)
    {
        // LoHa always divides the kept rows by the kept fraction (PEFT's rank_dropout has no scale option here).
        var dropouts = new LycorisDropouts(settings.RankDropout, ScaleRank: true, settings.ModuleDropout);
        AddAdapter(adapterName, dropouts, () => CreateParameters(adapterName, settings));
        _settings[adapterName] = settings;
    }

    protected override Tensor Delta(string adapterName, ScalarType type)
    {
        var (w1A, w1B, w2A, w2B) = Factors(adapterName);
        var first = w1A.to(type).matmul(w1B.to(type));
        var second = w2A.to(type).matmul(w2B.to(type));
        return first.mul(second).mul(_settings[adapterName].Scaling);
    }

    protected override ScalarType AdapterType(string adapterName) => _w1A[adapterName].dtype;

    protected override void RemoveParameters(string adapterName)
    {
        _w1A.Remove(adapterName);
        _w1B.Remove(adapterName);
        _w2A.Remove(adapterName);
        _w2B.Remove(adapterName);
        _settings.Remove(adapterName);
    }

    // FedPara's He initialization as PEFT does it: every factor Kaiming-uniform (a = √5), except w2_b = 0 by default so
    // that the second product, and with it ΔW, starts at zero.
    private void CreateParameters(string adapterName, LoHaAdapterSettings settings)
    {
        long rank = settings.Rank;
        _w1A.Add(adapterName, NewParameter(OutFeatures, rank, zero: false));
        _w1B.Add(adapterName, NewParameter(rank, InFeatures, zero: false));
        _w2A.Add(adapterName, NewParameter(OutFeatures, rank, zero: false));
        _w2B.Add(adapterName, NewParameter(rank, InFeatures, zero: settings.InitWeights));
    }

    private Parameter NewParameter(long rows, long columns, bool zero)
    {
        var weight = BaseWeight;
        var value = empty(new[] { rows, columns }, dtype: weight.dtype, device: weight.device);
        if (zero)
        {
            value.zero_();
        }
        else
        {
            AdapterInitialization.KaimingUniformSqrt5(value);
        }

        return new Parameter(value, requires_grad: true);
    }
}
