// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lycoris;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoHa;

/// <summary>
/// LoHa on a <see cref="Conv2d"/> target with kernel (out, in/groups, kh, kw): ΔW = s·W₁ ⊙ W₂ reshaped to the kernel, where
/// <list type="bullet">
/// <item>plain: Wᵢ = hada_wi_a·hada_wi_b with hada_wi_a out×r and hada_wi_b r×(in/groups·kh·kw), the kernel flattened to 2-D;</item>
/// <item>effective (<c>use_effective_conv2d</c>, kernels larger than 1×1): Wᵢ[p, q] = Σ hada_ti[a, b]·hada_wi_a[a, p]·hada_wi_b[b, q],
/// with the cores hada_ti r×r×kh×kw, hada_wi_a r×out and hada_wi_b r×in/groups (PEFT's Tucker-style CP form).</item>
/// </list>
/// Names are PEFT's in-memory names (<c>hada_w1_a.{adapter}</c>, <c>hada_t1.{adapter}</c>, …).
/// </summary>
internal sealed class LoHaConv2d : LycorisConv2d
{
    private readonly AdapterParameterDict _w1A = new();
    private readonly AdapterParameterDict _w1B = new();
    private readonly AdapterParameterDict _w2A = new();
    private readonly AdapterParameterDict _w2B = new();
    private readonly AdapterParameterDict _t1 = new();
    private readonly AdapterParameterDict _t2 = new();
    private readonly Dictionary<string, LoHaAdapterSettings> _settings = new(StringComparer.Ordinal);

    internal LoHaConv2d(string modulePath, Conv2d target)
        : base(nameof(LoHaConv2d), modulePath, target, LoHaMethod.PeftTypeName)
    {
        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("hada_w1_a", _w1A);
        register_module("hada_w1_b", _w1B);
        register_module("hada_w2_a", _w2A);
        register_module("hada_w2_b", _w2B);
        register_module("hada_t1", _t1);
        register_module("hada_t2", _t2);
    }

    internal LoHaAdapterSettings Settings(string adapterName) => _settings[adapterName];

    /// <summary>Whether the adapter uses the effective (Tucker) decomposition.</summary>
    internal bool IsEffective(string adapterName) => _t1.Contains(adapterName);

    internal void AddAdapter(string adapterName, LoHaAdapterSettings settings)
    {
        // LoHa always divides the kept rows by the kept fraction (PEFT's rank_dropout has no scale option here).
        var dropouts = new LycorisDropouts(settings.RankDropout, ScaleRank: true, settings.ModuleDropout);

        // As PEFT: a 1×1 kernel has no spatial part to decompose, so it keeps the flattened form.
        bool effective = settings.UseEffectiveConv2d && !Geometry.IsPointwise;
        AddAdapter(adapterName, dropouts, () => CreateParameters(adapterName, settings, effective));
        _settings[adapterName] = settings;
    }

    protected override Tensor Delta(string adapterName, ScalarType type)
    {
        var w1A = _w1A[adapterName].to(type);
        var w1B = _w1B[adapterName].to(type);
        var w2A = _w2A[adapterName].to(type);
        var w2B = _w2B[adapterName].to(type);
        Tensor first, second;
        if (_t1.Contains(adapterName))
        {
            first = einsum("ijkl,jr,ip->prkl", _t1[adapterName].to(type), w1B, w1A);
            second = einsum("ijkl,jr,ip->prkl", _t2[adapterName].to(type), w2B, w2A);
        }
        else
        {
            first = w1A.matmul(w1B);
            second = w2A.matmul(w2B);
        }

        return AsKernel(first.mul(second).mul(_settings[adapterName].Scaling));
    }

    protected override ScalarType AdapterType(string adapterName) => _w1A[adapterName].dtype;

    protected override void RemoveParameters(string adapterName)
    {
        foreach (var dict in new[] { _w1A, _w1B, _w2A, _w2B, _t1, _t2 })
        {
            if (dict.Contains(adapterName))
            {
                dict.Remove(adapterName);
            }
        }

        _settings.Remove(adapterName);
    }

    // FedPara's He initialization as PEFT does it: everything Kaiming-uniform (a = √5) except hada_w2_b = 0 by default,
    // which zeroes the second factor and with it ΔW.
    private void CreateParameters(string adapterName, LoHaAdapterSettings settings, bool effective)
    {
        long r = settings.Rank;
        long outChannels = Geometry.OutChannels;
        long inChannels = Geometry.InChannelsPerGroup;
        long kh = Geometry.Kernel[0];
        long kw = Geometry.Kernel[1];
        if (effective)
        {
            _t1.Add(adapterName, NewParameter(false, r, r, kh, kw));
            _t2.Add(adapterName, NewParameter(false, r, r, kh, kw));
            _w1A.Add(adapterName, NewParameter(false, r, outChannels));
            _w1B.Add(adapterName, NewParameter(false, r, inChannels));
            _w2A.Add(adapterName, NewParameter(false, r, outChannels));
            _w2B.Add(adapterName, NewParameter(settings.InitWeights, r, inChannels));
        }
        else
        {
            _w1A.Add(adapterName, NewParameter(false, outChannels, r));
            _w1B.Add(adapterName, NewParameter(false, r, inChannels * kh * kw));
            _w2A.Add(adapterName, NewParameter(false, outChannels, r));
            _w2B.Add(adapterName, NewParameter(settings.InitWeights, r, inChannels * kh * kw));
        }
    }
}
