// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of LoRA (low-rank adaptation) and its variants rsLoRA and DoRA, field for field Hugging Face
/// PEFT's <c>LoraConfig</c> (<c>peft_type: "LORA"</c>).
/// </summary>
/// <remarks>
/// A target layer computes <c>y = base(x) + s·B·A·dropout(x)</c> with <c>A</c> of shape r×d_in, <c>B</c> of shape
/// d_out×r and <c>s = alpha / r</c> (<c>alpha / √r</c> with rsLoRA). DoRA additionally learns a per-output magnitude.
/// </remarks>
public sealed class LoraConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig, Adapters.IDropoutConfig
{
    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;
    private double _dropout = Defaults.Dropout;
    private bool _useRsLora;
    private bool _useDora;
    private bool _useLoraBias;
    private LoraBiasMode _bias = LoraBiasMode.None;
    private LoraInitialization _initialization = LoraInitialization.Default;
    private int? _pissaIterations;
    private IReadOnlyDictionary<string, int> _rankPattern = new Dictionary<string, int>();
    private IReadOnlyDictionary<string, double> _alphaPattern = new Dictionary<string, double>();

    /// <summary>Initializes a configuration with PEFT's defaults (r = 8, alpha = 8, no dropout).</summary>
    public LoraConfig()
    {
    }

    private LoraConfig(LoraConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
        _dropout = other._dropout;
        _useRsLora = other._useRsLora;
        _useDora = other._useDora;
        _useLoraBias = other._useLoraBias;
        _bias = other._bias;
        _initialization = other._initialization;
        _pissaIterations = other._pissaIterations;
        _rankPattern = other._rankPattern;
        _alphaPattern = other._alphaPattern;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.Lora.LoraMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r of the update (<c>r</c>). Must be positive.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>Gets or sets alpha, the numerator of the scaling <c>s = alpha / r</c> (<c>lora_alpha</c>). Must be positive.</summary>
    public double Alpha
    {
        get => _alpha;
        set { VerifyMutable(); _alpha = value; }
    }

    /// <summary>Gets or sets the dropout probability on the adapter branch's input (<c>lora_dropout</c>). Within [0, 1).</summary>
    public double Dropout
    {
        get => _dropout;
        set { VerifyMutable(); _dropout = value; }
    }

    /// <summary>Gets or sets a value indicating whether the scaling is <c>alpha / √r</c> (rank-stabilized LoRA, <c>use_rslora</c>).</summary>
    public bool UseRsLora
    {
        get => _useRsLora;
        set { VerifyMutable(); _useRsLora = value; }
    }

    /// <summary>Gets or sets a value indicating whether DoRA's learned magnitude vector is added (<c>use_dora</c>).</summary>
    public bool UseDora
    {
        get => _useDora;
        set { VerifyMutable(); _useDora = value; }
    }

    /// <summary>Gets or sets a value indicating whether B carries a trainable bias (<c>lora_bias</c>). Not available with DoRA.</summary>
    public bool UseLoraBias
    {
        get => _useLoraBias;
        set { VerifyMutable(); _useLoraBias = value; }
    }

    /// <summary>Gets or sets which base biases train with the adapter (<c>bias</c>).</summary>
    public LoraBiasMode Bias
    {
        get => _bias;
        set { VerifyMutable(); _bias = value; }
    }

    /// <summary>Gets or sets how A and B start (<c>init_lora_weights</c>).</summary>
    public LoraInitialization Initialization
    {
        get => _initialization;
        set { VerifyMutable(); _initialization = value; }
    }

    /// <summary>
    /// Gets or sets the subspace iterations of a randomized SVD for <see cref="LoraInitialization.PiSSA"/>
    /// (PEFT <c>"pissa_niter_K"</c>); <see langword="null"/> uses the exact SVD.
    /// </summary>
    public int? PissaIterations
    {
        get => _pissaIterations;
        set { VerifyMutable(); _pissaIterations = value; }
    }

    /// <summary>Gets or sets per-module ranks: the first key whose regex matches the end of a module name wins (<c>rank_pattern</c>).</summary>
    public IReadOnlyDictionary<string, int> RankPattern
    {
        get => _rankPattern;
        set { VerifyMutable(); _rankPattern = Copy(value, nameof(RankPattern)); }
    }

    /// <summary>Gets or sets per-module alphas, matched like <see cref="RankPattern"/> (<c>alpha_pattern</c>).</summary>
    public IReadOnlyDictionary<string, double> AlphaPattern
    {
        get => _alphaPattern;
        set { VerifyMutable(); _alphaPattern = Copy(value, nameof(AlphaPattern)); }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new LoraConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (_rank <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), _rank, $"`{nameof(Rank)}` must be positive, got {_rank}.");
        }

        if (!(_alpha > 0) || double.IsInfinity(_alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), _alpha, $"`{nameof(Alpha)}` must be a positive finite number, got {_alpha}.");
        }

        if (!(_dropout >= 0 && _dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), _dropout, $"`{nameof(Dropout)}` must be within [0, 1), got {_dropout}.");
        }

        foreach (var (pattern, rank) in _rankPattern)
        {
            if (rank <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(RankPattern), rank, $"`{nameof(RankPattern)}` entry '{pattern}' must be positive, got {rank}.");
            }
        }

        foreach (var (pattern, alpha) in _alphaPattern)
        {
            if (!(alpha > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(AlphaPattern), alpha, $"`{nameof(AlphaPattern)}` entry '{pattern}' must be positive, got {alpha}.");
            }
        }

        if (_useDora && _useLoraBias)
        {
            throw new ArgumentException($"`{nameof(UseLoraBias)}` (lora_bias) is not supported with DoRA (use_dora); set `{nameof(UseLoraBias)} = false` or `{nameof(UseDora)} = false`.", nameof(UseLoraBias));
        }

        if (_pissaIterations is not null)
        {
            if (_initialization != LoraInitialization.PiSSA)
            {
                throw new ArgumentException($"`{nameof(PissaIterations)}` applies only to `{nameof(Initialization)} = {nameof(LoraInitialization.PiSSA)}`.", nameof(PissaIterations));
            }

            if (_pissaIterations < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(PissaIterations), _pissaIterations, $"`{nameof(PissaIterations)}` must be non-negative, got {_pissaIterations}.");
            }
        }
    }

    private static Dictionary<string, T> Copy<T>(IReadOnlyDictionary<string, T> value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value.ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>PEFT's default values, shared by the configuration and the catalog overloads.</summary>
    internal static class Defaults
    {
        internal const int Rank = 8;
        internal const double Alpha = 8;
        internal const double Dropout = 0.0;
    }
}
