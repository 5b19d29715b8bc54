// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Methods.Lycoris;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>
/// LoKr on a <see cref="Linear"/> target: ΔW = s·kron(w1, w2). Tensors are raw parameters named as PEFT names them in
/// memory: <c>lokr_w1.{adapter}</c> or <c>lokr_w1_a.{adapter}</c> + <c>lokr_w1_b.{adapter}</c>, and <c>lokr_w2.{adapter}</c>
/// or <c>lokr_w2_a.{adapter}</c> + <c>lokr_w2_b.{adapter}</c>.
/// </summary>
internal sealed class LoKrLinear : LycorisLinear
{
    private readonly AdapterParameterDict _w1 = new();
    private readonly AdapterParameterDict _w1A = new();
    private readonly AdapterParameterDict _w1B = new();
    private readonly AdapterParameterDict _w2 = new();
    private readonly AdapterParameterDict _w2A = new();
    private readonly AdapterParameterDict _w2B = new();
    private readonly Dictionary<string, LoKrAdapterSettings> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LoKrShape> _shapes = new(StringComparer.Ordinal);

    internal LoKrLinear(string modulePath, Linear target)
        : base(nameof(LoKrLinear), modulePath, target)
    {
        // Registered by hand: RegisterComponents() would also pick up the target, which belongs to the user's model.
        register_module("lokr_w1", _w1);
        register_module("lokr_w1_a", _w1A);
        register_module("lokr_w1_b", _w1B);
        register_module("lokr_w2", _w2);
        register_module("lokr_w2_a", _w2A);
        register_module("lokr_w2_b", _w2B);
    }

    internal LoKrAdapterSettings Settings(string adapterName) => _settings[adapterName];

    internal LoKrShape Shape(string adapterName) => _shapes[adapterName];

    internal void AddAdapter(string adapterName, LoKrAdapterSettings settings)
    {
        var shape = LoKrShape.For((int)OutFeatures, (int)InFeatures, settings.Rank, settings.DecomposeBoth, settings.DecomposeFactor);
        var dropouts = new LycorisDropouts(settings.RankDropout, settings.RankDropoutScale, settings.ModuleDropout);
        AddAdapter(adapterName, dropouts, () => CreateParameters(adapterName, shape, settings.Initialization));
        _settings[adapterName] = settings;
        _shapes[adapterName] = shape;
    }

    /// <summary>The left factor w1 (A×C) in <paramref name="type"/>: the full matrix, or w1_a·w1_b.</summary>
    internal Tensor W1(string adapterName, ScalarType type) => _w1.Contains(adapterName)
        ? _w1[adapterName].to(type)
        : _w1A[adapterName].to(type).matmul(_w1B[adapterName].to(type));

    /// <summary>The right factor w2 (B×D) in <paramref name="type"/>: the full matrix, or w2_a·w2_b.</summary>
    internal Tensor W2(string adapterName, ScalarType type) => _w2.Contains(adapterName)
        ? _w2[adapterName].to(type)
        : _w2A[adapterName].to(type).matmul(_w2B[adapterName].to(type));

    protected override Tensor Delta(string adapterName, ScalarType type) =>
        kron(W1(adapterName, type), W2(adapterName, type)).mul(_settings[adapterName].Scaling).view(OutFeatures, InFeatures);

    protected override ScalarType AdapterType(string adapterName) =>
        (_w1.Contains(adapterName) ? _w1[adapterName] : _w1A[adapterName]).dtype;

    protected override void RemoveParameters(string adapterName)
    {
        foreach (var dict in new[] { _w1, _w1A, _w1B, _w2, _w2A, _w2B })
        {
            if (dict.Contains(adapterName))
            {
                dict.Remove(adapterName);
            }
        }

        _settings.Remove(adapterName);
        _shapes.Remove(adapterName);
    }

    // PEFT's three initializations. Default: w1 (or w1_a) = 0, so ΔW = 0; lycoris: w2 (or w2_b) = 0 instead;
    // random: everything Kaiming-uniform. Kaiming-uniform(a = √5) on an m×n matrix draws U(±1/√n).
    private void CreateParameters(string adapterName, LoKrShape shape, LoKrInitialization initialization)
    {
        bool zeroLeft = initialization == LoKrInitialization.Default;
        bool zeroRight = initialization == LoKrInitialization.Lycoris;
        if (shape.FullW1)
        {
            _w1.Add(adapterName, NewParameter(shape.A, shape.C, zero: zeroLeft));
        }
        else
        {
            _w1A.Add(adapterName, NewParameter(shape.A, shape.Rank, zero: zeroLeft));
            _w1B.Add(adapterName, NewParameter(shape.Rank, shape.C, zero: false));
        }

        if (shape.FullW2)
        {
            _w2.Add(adapterName, NewParameter(shape.B, shape.D, zero: zeroRight));
        }
        else
        {
            _w2A.Add(adapterName, NewParameter(shape.B, shape.Rank, zero: false));
            _w2B.Add(adapterName, NewParameter(shape.Rank, shape.D, zero: zeroRight));
        }
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
