// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of bottleneck adapters (Houlsby et al. 2019; <c>peft_type: "BOTTLENECK"</c>), with the field names
/// and defaults of adapter-hub's <c>BnConfig</c> family. Each target linear layer gets a small feed-forward block,
/// <c>h ← h + scaling·up(act(down(h)))</c> on its output (or, with <see cref="IsParallel"/>, reading its input).
/// </summary>
/// <remarks>
/// <para>
/// Placement comes from <see cref="PeftConfig.TargetModules"/> instead of adapter-hub's <c>mh_adapter</c> /
/// <c>output_adapter</c>: on BERT, <c>attention.output.dense</c> is the attention placement and the FFN's
/// <c>output.dense</c> the output placement. The adapter acts on the dense output before the block's residual add
/// and LayerNorm, which is adapter-hub's <c>original_ln_before = false, original_ln_after = true,
/// residual_before_ln = true</c> (Houlsby's settings); the other combinations need the block's residual input and are
/// refused.
/// </para>
/// <para>The adapter has a non-linearity, so it cannot be merged into the base weights.</para>
/// </remarks>
public sealed class BottleneckConfig : PeftConfig
{
    private static readonly string[] s_nonLinearities = { "relu", "swish", "silu", "gelu", "gelu_new", "tanh", "sigmoid", "leakyrelu" };
    private static readonly string[] s_initializations = { "bert", "mam_adapter" };

    private double _reductionFactor = Defaults.ReductionFactor;
    private string _nonLinearity = Defaults.NonLinearity;
    private bool _originalLnBefore;
    private bool _originalLnAfter = true;
    private bool _residualBeforeLn = true;
    private bool _isParallel;
    private double _scaling = Defaults.Scaling;
    private string _initWeights = Defaults.InitWeights;

    /// <summary>Initializes a configuration with Houlsby's defaults (adapter-hub's <c>DoubleSeqBnConfig</c>): reduction factor 16, swish, "bert" init.</summary>
    public BottleneckConfig()
    {
    }

    private BottleneckConfig(BottleneckConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _reductionFactor = other._reductionFactor;
        _nonLinearity = other._nonLinearity;
        _originalLnBefore = other._originalLnBefore;
        _originalLnAfter = other._originalLnAfter;
        _residualBeforeLn = other._residualBeforeLn;
        _isParallel = other._isParallel;
        _scaling = other._scaling;
        _initWeights = other._initWeights;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.Bottleneck.BottleneckMethod.PeftTypeName;

    /// <summary>Gets or sets the ratio of the target's output size to the bottleneck size (<c>reduction_factor</c>); the bottleneck has <c>⌊d / reduction_factor⌋</c> units, at least 1.</summary>
    public double ReductionFactor
    {
        get => _reductionFactor;
        set { VerifyMutable(); _reductionFactor = value; }
    }

    /// <summary>Gets or sets the activation between the projections (<c>non_linearity</c>): relu, swish, silu, gelu, gelu_new, tanh, sigmoid or leakyrelu.</summary>
    public string NonLinearity
    {
        get => _nonLinearity;
        set { VerifyMutable(); _nonLinearity = value; }
    }

    /// <summary>Gets or sets whether the block's residual add and LayerNorm run before the adapter (<c>original_ln_before</c>); only <see langword="false"/> is implemented.</summary>
    public bool OriginalLnBefore
    {
        get => _originalLnBefore;
        set { VerifyMutable(); _originalLnBefore = value; }
    }

    /// <summary>Gets or sets whether the block's residual add and LayerNorm run after the adapter (<c>original_ln_after</c>); only <see langword="true"/> is implemented.</summary>
    public bool OriginalLnAfter
    {
        get => _originalLnAfter;
        set { VerifyMutable(); _originalLnAfter = value; }
    }

    /// <summary>Gets or sets whether the adapter's residual is taken before the LayerNorm (<c>residual_before_ln</c>); only <see langword="true"/> is implemented.</summary>
    public bool ResidualBeforeLn
    {
        get => _residualBeforeLn;
        set { VerifyMutable(); _residualBeforeLn = value; }
    }

    /// <summary>Gets or sets whether the adapter reads the target's input and runs beside it instead of after it (<c>is_parallel</c>).</summary>
    public bool IsParallel
    {
        get => _isParallel;
        set { VerifyMutable(); _isParallel = value; }
    }

    /// <summary>Gets or sets the factor on the adapter's output (<c>scaling</c>, He et al. 2021). Must be finite and non-zero.</summary>
    public double Scaling
    {
        get => _scaling;
        set { VerifyMutable(); _scaling = value; }
    }

    /// <summary>
    /// Gets or sets the initialization (<c>init_weights</c>): "bert" draws both weights from N(0, 0.02²) with zero biases
    /// (close to, not exactly, a no-op); "mam_adapter" uses Kaiming-uniform (a = √5) for down and zeros for up (an exact no-op).
    /// </summary>
    public string InitWeights
    {
        get => _initWeights;
        set { VerifyMutable(); _initWeights = value; }
    }

    /// <summary>Creates Houlsby's configuration (adapter-hub's <c>DoubleSeqBnConfig</c>): reduction factor 16, swish, "bert" init.</summary>
    /// <returns>A new configuration.</returns>
    public static BottleneckConfig Houlsby() => new();

    /// <summary>Creates the parallel configuration (adapter-hub's <c>ParBnConfig</c>): reduction factor 2, relu, scaling 4, "mam_adapter" init.</summary>
    /// <returns>A new configuration.</returns>
    public static BottleneckConfig Parallel() => new()
    {
        ReductionFactor = 2,
        NonLinearity = "relu",
        IsParallel = true,
        Scaling = 4,
        InitWeights = "mam_adapter",
    };

    /// <inheritdoc />
    public override PeftConfig Clone() => new BottleneckConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (!(_reductionFactor > 0) || double.IsInfinity(_reductionFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(ReductionFactor), _reductionFactor, $"`{nameof(ReductionFactor)}` must be a positive finite number, got {_reductionFactor}.");
        }

        if (!s_nonLinearities.Contains(_nonLinearity, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"`{nameof(NonLinearity)}` = \"{_nonLinearity}\" is not supported; use one of {string.Join(", ", s_nonLinearities)}.", nameof(NonLinearity));
        }

        if (!s_initializations.Contains(_initWeights, StringComparer.Ordinal))
        {
            throw new ArgumentException($"`{nameof(InitWeights)}` = \"{_initWeights}\" is not supported; use \"bert\" or \"mam_adapter\".", nameof(InitWeights));
        }

        if (_scaling == 0 || !double.IsFinite(_scaling))
        {
            throw new ArgumentOutOfRangeException(nameof(Scaling), _scaling, $"`{nameof(Scaling)}` must be finite and non-zero, got {_scaling}.");
        }

        if (_originalLnBefore || !_originalLnAfter || !_residualBeforeLn)
        {
            throw new ArgumentException(
                $"Only `{nameof(OriginalLnBefore)} = false`, `{nameof(OriginalLnAfter)} = true` and `{nameof(ResidualBeforeLn)} = true` are implemented: the adapter "
                + "acts on the target's output, before the block's residual add and LayerNorm, and never sees the block's residual input. "
                + $"Got {nameof(OriginalLnBefore)} = {_originalLnBefore}, {nameof(OriginalLnAfter)} = {_originalLnAfter}, {nameof(ResidualBeforeLn)} = {_residualBeforeLn}.",
                nameof(OriginalLnBefore));
        }
    }

    /// <summary>Houlsby's defaults, shared by the configuration and any catalog overload.</summary>
    internal static class Defaults
    {
        internal const double ReductionFactor = 16;
        internal const string NonLinearity = "swish";
        internal const double Scaling = 1.0;
        internal const string InitWeights = "bert";
    }
}
