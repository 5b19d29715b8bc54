// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lycoris;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>
/// LoKr on a <see cref="Conv2d"/> target with kernel (out, in/groups, kh, kw): out = a·b and in/groups = c·d are split as for a
/// linear layer, and ΔW = s·kron(w1, w2) reshaped to the kernel, where w1 is a×c and w2 carries the kernel's spatial part:
/// <list type="bullet">
/// <item>full: <c>lokr_w2</c> of shape b×d×kh×kw, and w1 is broadcast over the kernel (kron of a×c×1×1 with it);</item>
/// <item>flattened (PEFT's default below the rank threshold): <c>lokr_w2_a</c> b×r, <c>lokr_w2_b</c> r×(d·kh·kw);</item>
/// <item>effective (<c>use_effective_conv2d</c>, kernels larger than 1×1): the Tucker-style core <c>lokr_t2</c> r×r×kh×kw with
/// <c>lokr_w2_a</c> r×b and <c>lokr_w2_b</c> r×d, w2[p, q] = Σ t2[i, j]·w2_a[i, p]·w2_b[j, q].</item>
/// </list>
/// Names are PEFT's in-memory names: <c>lokr_w1.{adapter}</c>, <c>lokr_t2.{adapter}</c>, … .
/// </summary>
internal sealed class LoKrConv2d : LycorisConv2d
{
    private readonly AdapterParameterDict _w1 = new();
    private readonly AdapterParameterDict _w1A = new();
    private readonly AdapterParameterDict _w1B = new();
    private readonly AdapterParameterDict _w2 = new();
    private readonly AdapterParameterDict _w2A = new();
    private readonly AdapterParameterDict _w2B = new();
    private readonly AdapterParameterDict _t2 = new();
    private readonly Dictionary<string, LoKrAdapterSettings> _settings = new(StringComparer.Ordinal);

    internal LoKrConv2d(string modulePath, Conv2d target)
        : base(nameof(LoKrConv2d), modulePath, target, LoKrMethod.PeftTypeName)
    {
        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("lokr_w1", _w1);
        register_module("lokr_w1_a", _w1A);
        register_module("lokr_w1_b", _w1B);
        register_module("lokr_w2", _w2);
        register_module("lokr_w2_a", _w2A);
        register_module("lokr_w2_b", _w2B);
        register_module("lokr_t2", _t2);
    }

    internal LoKrAdapterSettings Settings(string adapterName) => _settings[adapterName];

    /// <summary>Whether the adapter's right factor is the effective (Tucker) decomposition.</summary>
    internal bool IsEffective(string adapterName) => _t2.Contains(adapterName);

    internal void AddAdapter(string adapterName, LoKrAdapterSettings settings)
    {
        var shape = LoKrShape.For((int)Geometry.OutChannels, (int)Geometry.InChannelsPerGroup, settings.Rank, settings.DecomposeBoth, settings.DecomposeFactor);

        // As PEFT: a 1×1 kernel has no spatial part to decompose, so it keeps the flattened form.
        bool effective = settings.UseEffectiveConv2d && !Geometry.IsPointwise && !shape.FullW2;
        var dropouts = new LycorisDropouts(settings.RankDropout, settings.RankDropoutScale, settings.ModuleDropout);
        AddAdapter(adapterName, dropouts, () => CreateParameters(adapterName, shape, effective, settings.Initialization));
        _settings[adapterName] = settings;
    }

    protected override Tensor Delta(string adapterName, ScalarType type)
    {
        var w1 = _w1.Contains(adapterName)
            ? _w1[adapterName].to(type)
            : _w1A[adapterName].to(type).matmul(_w1B[adapterName].to(type));
        Tensor product;
        if (_w2.Contains(adapterName) || _t2.Contains(adapterName))
        {
            product = kron(w1.unsqueeze(2).unsqueeze(3), W2Kernel(adapterName, type));
        }
        else
        {
            product = kron(w1, _w2A[adapterName].to(type).matmul(_w2B[adapterName].to(type)));
        }

        return AsKernel(product.mul(_settings[adapterName].Scaling));
    }

    protected override ScalarType AdapterType(string adapterName) =>
        (_w1.Contains(adapterName) ? _w1[adapterName] : _w1A[adapterName]).dtype;

    protected override void RemoveParameters(string adapterName)
    {
        foreach (var dict in new[] { _w1, _w1A, _w1B, _w2, _w2A, _w2B, _t2 })
        {
            if (dict.Contains(adapterName))
            {
                dict.Remove(adapterName);
            }
        }

        _settings.Remove(adapterName);
    }

    // w2 as a b×d×kh×kw kernel: the full parameter, or the effective core contracted with its two mode factors.
    private Tensor W2Kernel(string adapterName, ScalarType type) => _w2.Contains(adapterName)
        ? _w2[adapterName].to(type)
        : einsum("ijkl,ip,jr->prkl", _t2[adapterName].to(type), _w2A[adapterName].to(type), _w2B[adapterName].to(type));

    // PEFT's three initializations, as for linear layers; the effective core t2 is always Kaiming-uniform.
    private void CreateParameters(string adapterName, LoKrShape shape, bool effective, LoKrInitialization initialization)
    {
        bool zeroLeft = initialization == LoKrInitialization.Default;
        bool zeroRight = initialization == LoKrInitialization.Lycoris;
        long r = shape.Rank;
        long kh = Geometry.Kernel[0];
        long kw = Geometry.Kernel[1];
        if (shape.FullW1)
        {
            _w1.Add(adapterName, NewParameter(zeroLeft, shape.A, shape.C));
        }
        else
        {
            _w1A.Add(adapterName, NewParameter(zeroLeft, shape.A, r));
            _w1B.Add(adapterName, NewParameter(false, r, shape.C));
        }

        if (shape.FullW2)
        {
            _w2.Add(adapterName, NewParameter(zeroRight, shape.B, shape.D, kh, kw));
        }
        else if (effective)
        {
            _t2.Add(adapterName, NewParameter(false, r, r, kh, kw));
            _w2A.Add(adapterName, NewParameter(false, r, shape.B));
            _w2B.Add(adapterName, NewParameter(zeroRight, r, shape.D));
        }
        else
        {
            _w2A.Add(adapterName, NewParameter(false, shape.B, r));
            _w2B.Add(adapterName, NewParameter(zeroRight, r, shape.D * kh * kw));
        }
    }
}
