// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of RandLoRA (full-rank updates from scaled random bases), field for field Hugging Face PEFT's
/// <c>RandLoraConfig</c> (<c>peft_type: "RANDLORA"</c>). Linear layers only.
/// </summary>
/// <remarks>
/// Frozen random bases shared by every adapted layer are combined with two trained scalings per layer,
/// <c>λ</c> (r × N) and <c>γ</c> (N × min(d_in, d_out)), where <c>N = ⌈min(d_in, d_out) / r⌉</c> bases make the update
/// full-rank. The update is scaled by <c>s = randlora_alpha / r</c>. A smaller <c>r</c> means more bases and more
/// trainable parameters, the opposite of LoRA.
/// </remarks>
public sealed class RandLoraConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig, Adapters.IDropoutConfig
{
    private int _rank = Defaults.Rank;
    private int _projectionPrngKey;
    private bool _saveProjection = true;
    private bool _sparse;
    private bool _verySparse;
    private double _dropout = Defaults.Dropout;
    private double _alpha = Defaults.Alpha;
    private bool _initWeights = true;

    /// <summary>Initializes a configuration with PEFT's defaults (r = 32, randlora_alpha = 640, dense bases, projections saved).</summary>
    public RandLoraConfig()
    {
    }

    private RandLoraConfig(RandLoraConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _projectionPrngKey = other._projectionPrngKey;
        _saveProjection = other._saveProjection;
        _sparse = other._sparse;
        _verySparse = other._verySparse;
        _dropout = other._dropout;
        _alpha = other._alpha;
        _initWeights = other._initWeights;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.RandLora.RandLoraMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r of each random basis (<c>r</c>). Must be positive; lowering it adds bases and trainable parameters.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>
    /// Gets or sets the seed of the generator that draws the shared bases (<c>projection_prng_key</c>). Every adapter
    /// of one model must use the same key.
    /// </summary>
    public int ProjectionPrngKey
    {
        get => _projectionPrngKey;
        set { VerifyMutable(); _projectionPrngKey = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the shared bases are saved with the adapter as <c>base_model.randlora_A</c>
    /// / <c>base_model.randlora_B</c> (<c>save_projection</c>). When false they are drawn again from
    /// <see cref="ProjectionPrngKey"/> on load.
    /// </summary>
    public bool SaveProjection
    {
        get => _saveProjection;
        set { VerifyMutable(); _saveProjection = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the bases are ternary (−1, 0, 1 with probabilities 1/6, 2/3, 1/6) before
    /// normalization (<c>sparse</c>). The sparsity is not used to save compute.
    /// </summary>
    public bool Sparse
    {
        get => _sparse;
        set { VerifyMutable(); _sparse = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the bases are very sparse ternary matrices, non-zero with probability
    /// 1/√D for the smallest shared dimension D (<c>very_sparse</c>); takes precedence over <see cref="Sparse"/>.
    /// </summary>
    public bool VerySparse
    {
        get => _verySparse;
        set { VerifyMutable(); _verySparse = value; }
    }

    /// <summary>Gets or sets the dropout probability on the adapter branch's input (<c>randlora_dropout</c>). Within [0, 1).</summary>
    public double Dropout
    {
        get => _dropout;
        set { VerifyMutable(); _dropout = value; }
    }

    /// <summary>
    /// Gets or sets the numerator of the scaling <c>s = randlora_alpha / r</c> (<c>randlora_alpha</c>), typically 20·r.
    /// Large values with a high learning rate can make training unstable.
    /// </summary>
    public double Alpha
    {
        get => _alpha;
        set { VerifyMutable(); _alpha = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether <c>λ = 0</c> and <c>γ = 1 / max(N, min(d_in, d_out))</c> at the start, so the
    /// adapter is a no-op (<c>init_weights</c>); when false, <c>λ</c> is standard normal and <c>γ = 1 / max(d_in, d_out)</c>.
    /// </summary>
    public bool InitWeights
    {
        get => _initWeights;
        set { VerifyMutable(); _initWeights = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new RandLoraConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        RefuseExcludeModules();

        if (_rank <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Rank), _rank, $"`{nameof(Rank)}` must be positive, got {_rank}.");
        }

        if (!(_dropout >= 0 && _dropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Dropout), _dropout, $"`{nameof(Dropout)}` must be within [0, 1), got {_dropout}.");
        }

        if (!double.IsFinite(_alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), _alpha, $"`{nameof(Alpha)}` must be a finite number, got {_alpha}.");
        }
    }

    /// <summary>PEFT's default values.</summary>
    internal static class Defaults
    {
        internal const int Rank = 32;
        internal const double Dropout = 0.0;
        internal const double Alpha = 640;
    }
}
