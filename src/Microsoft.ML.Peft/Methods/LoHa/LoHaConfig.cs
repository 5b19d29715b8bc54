// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of LoHa (low-rank Hadamard product adaptation, FedPara), field for field Hugging Face PEFT's
/// <c>LoHaConfig</c> (<c>peft_type: "LOHA"</c>), on linear and Conv2d targets.
/// </summary>
/// <remarks>
/// A target layer computes <c>y = base(x) + x·ΔWᵀ</c> with <c>ΔW = s·(w1_a·w1_b) ⊙ (w2_a·w2_b)</c>: two rank-r products
/// multiplied elementwise, so ΔW can reach rank r² with the parameters of two rank-r LoRAs. <c>s = alpha / r</c>.
/// </remarks>
public sealed class LoHaConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig
{
    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;
    private double _rankDropout;
    private double _moduleDropout;
    private bool _useEffectiveConv2d;
    private bool _initWeights = true;
    private IReadOnlyDictionary<string, int> _rankPattern = new Dictionary<string, int>();
    private IReadOnlyDictionary<string, double> _alphaPattern = new Dictionary<string, double>();

    /// <summary>Initializes a configuration with PEFT's defaults (r = 8, alpha = 8, no dropout).</summary>
    public LoHaConfig()
    {
    }

    private LoHaConfig(LoHaConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
        _rankDropout = other._rankDropout;
        _moduleDropout = other._moduleDropout;
        _useEffectiveConv2d = other._useEffectiveConv2d;
        _initWeights = other._initWeights;
        _rankPattern = other._rankPattern;
        _alphaPattern = other._alphaPattern;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.LoHa.LoHaMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r of each of the two products (<c>r</c>). Must be positive.</summary>
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
    /// Gets or sets the probability of zeroing each row of ΔW in a training forward; kept rows are divided by the kept
    /// fraction (<c>rank_dropout</c>). Within [0, 1).
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
    /// Gets or sets PEFT's effective decomposition for convolutions with kernels larger than 1 (<c>use_effective_conv2d</c>).
    /// Each of the two Hadamard factors of a Conv2d kernel is then a rank-r×r×kh×kw core with two rank-r mode factors
    /// (<c>hada_t1</c>, <c>hada_t2</c>) instead of an out×r and an r×(in·kh·kw) matrix. No effect on linear or 1×1 targets.
    /// </summary>
    public bool UseEffectiveConv2d
    {
        get => _useEffectiveConv2d;
        set { VerifyMutable(); _useEffectiveConv2d = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether w2_b starts at zero so the adapter is a no-op at first (<c>init_weights</c>);
    /// <see langword="false"/> draws every factor at random, for tests and debugging.
    /// </summary>
    public bool InitWeights
    {
        get => _initWeights;
        set { VerifyMutable(); _initWeights = value; }
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
    public override PeftConfig Clone() => new LoHaConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        Methods.Lycoris.LycorisValidation.Common(_rank, _alpha, _rankDropout, _moduleDropout, _rankPattern, _alphaPattern);    }

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
    }
}
