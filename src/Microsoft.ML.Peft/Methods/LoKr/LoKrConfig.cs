// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of LoKr (low-rank Kronecker product adaptation), field for field Hugging Face PEFT's
/// <c>LoKrConfig</c> (<c>peft_type: "LOKR"</c>), on linear and Conv2d targets.
/// </summary>
/// <remarks>
/// A target layer of shape d_out×d_in computes <c>y = base(x) + x·ΔWᵀ</c> with <c>ΔW = s·kron(w1, w2)</c>, where
/// d_out = a·b and d_in = c·d are split by PEFT's factorization, <c>w1</c> is a×c and <c>w2</c> is b×d. <c>w2</c> is the
/// product of two rank-r factors when <c>r &lt; max(b, d)/2</c>; <c>w1</c> too with <see cref="DecomposeBoth"/>.
/// <c>s = alpha / r</c>, even when both factors are full and r shapes nothing (PEFT does the same).
/// </remarks>
public sealed class LoKrConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig
{
    /// <inheritdoc/>
    /// <remarks>The Kronecker factors are small and their product scales with both, so LoKr trains best at about three times LoRA's rate.</remarks>
    internal override double DefaultLearningRate => 3e-3;

    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;
    private double _rankDropout;
    private double _moduleDropout;
    private bool _useEffectiveConv2d;
    private bool _decomposeBoth;
    private int _decomposeFactor = Defaults.DecomposeFactor;
    private bool _rankDropoutScale;
    private LoKrInitialization _initialization = LoKrInitialization.Default;
    private IReadOnlyDictionary<string, int> _rankPattern = new Dictionary<string, int>();
    private IReadOnlyDictionary<string, double> _alphaPattern = new Dictionary<string, double>();

    /// <summary>Initializes a configuration with PEFT's defaults (r = 8, alpha = 8, no dropout, automatic factorization).</summary>
    public LoKrConfig()
    {
    }

    private LoKrConfig(LoKrConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
        _rankDropout = other._rankDropout;
        _moduleDropout = other._moduleDropout;
        _useEffectiveConv2d = other._useEffectiveConv2d;
        _decomposeBoth = other._decomposeBoth;
        _decomposeFactor = other._decomposeFactor;
        _rankDropoutScale = other._rankDropoutScale;
        _initialization = other._initialization;
        _rankPattern = other._rankPattern;
        _alphaPattern = other._alphaPattern;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.LoKr.LoKrMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r of the decomposed factors (<c>r</c>). Must be positive.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>Gets or sets alpha, the numerator of the scaling <c>s = alpha / r</c> (<c>alpha</c>). Must be positive.</summary>
    public double Alpha
    {
        get => _alpha;
        set { VerifyMutable(); _alpha = value; }
    }

    /// <summary>
    /// Gets or sets the probability of zeroing each row of ΔW in a training forward (<c>rank_dropout</c>). Within [0, 1).
    /// </summary>
    public double RankDropout
    {
        get => _rankDropout;
        set { VerifyMutable(); _rankDropout = value; }
    }

    /// <summary>Gets or sets the probability of skipping the whole adapter in a training forward (<c>module_dropout</c>). Within [0, 1).</summary>
    public double ModuleDropout
    {
        get => _moduleDropout;
        set { VerifyMutable(); _moduleDropout = value; }
    }

    /// <summary>
    /// Gets or sets PEFT's effective decomposition for Conv2d targets with kernels larger than 1×1 (<c>use_effective_conv2d</c>):
    /// a decomposed right factor becomes a rank-r×r×kh×kw core with two rank-r mode factors instead of a b×r and an
    /// r×(d·kh·kw) matrix. No effect on linear or 1×1 convolution targets, nor when w2 is a full factor.
    /// </summary>
    public bool UseEffectiveConv2d
    {
        get => _useEffectiveConv2d;
        set { VerifyMutable(); _useEffectiveConv2d = value; }
    }

    /// <summary>Gets or sets a value indicating whether the left factor w1 is also a rank-r product when r is small enough (<c>decompose_both</c>).</summary>
    public bool DecomposeBoth
    {
        get => _decomposeBoth;
        set { VerifyMutable(); _decomposeBoth = value; }
    }

    /// <summary>
    /// Gets or sets the size wanted for the left factor's dimensions (<c>decompose_factor</c>): −1 splits each dimension
    /// near its square root; a positive f gives (f, dim / f) when f divides dim.
    /// </summary>
    public int DecomposeFactor
    {
        get => _decomposeFactor;
        set { VerifyMutable(); _decomposeFactor = value; }
    }

    /// <summary>Gets or sets a value indicating whether rows kept by rank dropout are divided by the kept fraction (<c>rank_dropout_scale</c>).</summary>
    public bool RankDropoutScale
    {
        get => _rankDropoutScale;
        set { VerifyMutable(); _rankDropoutScale = value; }
    }

    /// <summary>Gets or sets how the factors start (<c>init_weights</c>: <c>true</c>, <c>"lycoris"</c> or <c>false</c>).</summary>
    public LoKrInitialization Initialization
    {
        get => _initialization;
        set { VerifyMutable(); _initialization = value; }
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
    public override PeftConfig Clone() => new LoKrConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Methods.Lycoris.LycorisValidation.Common(_rank, _alpha, _rankDropout, _moduleDropout, _rankPattern, _alphaPattern);
        if (_decomposeFactor is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(DecomposeFactor), _decomposeFactor, $"`{nameof(DecomposeFactor)}` must be -1 (automatic) or positive, got {_decomposeFactor}.");
        }
    }

    private static Dictionary<string, T> Copy<T>(IReadOnlyDictionary<string, T> value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value.ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>PEFT's default values.</summary>
    internal static class Defaults
    {
        internal const int Rank = 8;
        internal const double Alpha = 8;
        internal const int DecomposeFactor = -1;
    }
}
