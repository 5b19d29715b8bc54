// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of VeRA (vector-based random matrix adaptation), field for field Hugging Face PEFT's
/// <c>VeraConfig</c> (<c>peft_type: "VERA"</c>). Linear layers only.
/// </summary>
/// <remarks>
/// One pair of frozen random matrices <c>A</c> (r × max d_in) and <c>B</c> (max d_out × r) is shared by every adapted
/// layer; each layer trains only two vectors, <c>λ_b</c> (d_out) and <c>λ_d</c> (r), and computes
/// <c>y = base(x) + λ_b ⊙ (B_sl·(λ_d ⊙ (A_sl·dropout(x))))</c> with the top-left slices of A and B.
/// </remarks>
public sealed class VeraConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IDropoutConfig
{
    /// <inheritdoc/>
    /// <remarks>Only the scaling vectors over the frozen random projections train, and they need ten times LoRA's rate (VeRA's paper trains them at 1e-2 and above).</remarks>
    internal override double DefaultLearningRate => 1e-2;

    private int _rank = Defaults.Rank;
    private int _projectionPrngKey;
    private bool _saveProjection = true;
    private double _dropout = Defaults.Dropout;
    private double _dInitial = Defaults.DInitial;
    private bool _initWeights = true;

    /// <summary>Initializes a configuration with PEFT's defaults (r = 256, d_initial = 0.1, projections saved).</summary>
    public VeraConfig()
    {
    }

    private VeraConfig(VeraConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _projectionPrngKey = other._projectionPrngKey;
        _saveProjection = other._saveProjection;
        _dropout = other._dropout;
        _dInitial = other._dInitial;
        _initWeights = other._initWeights;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.Vera.VeraMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r of the shared projections (<c>r</c>). Must be positive; VeRA uses far larger ranks than LoRA.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>
    /// Gets or sets the seed of the generator that draws the shared projections (<c>projection_prng_key</c>). Every
    /// adapter of one model must use the same key.
    /// </summary>
    public int ProjectionPrngKey
    {
        get => _projectionPrngKey;
        set { VerifyMutable(); _projectionPrngKey = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the shared projections are saved with the adapter as
    /// <c>base_model.vera_A</c> / <c>base_model.vera_B</c> (<c>save_projection</c>). When false they are drawn again from
    /// <see cref="ProjectionPrngKey"/> on load, which is smaller but relies on the generator giving the same numbers.
    /// </summary>
    public bool SaveProjection
    {
        get => _saveProjection;
        set { VerifyMutable(); _saveProjection = value; }
    }

    /// <summary>Gets or sets the dropout probability on the adapter branch's input (<c>vera_dropout</c>). Within [0, 1).</summary>
    public double Dropout
    {
        get => _dropout;
        set { VerifyMutable(); _dropout = value; }
    }

    /// <summary>Gets or sets the initial value of every entry of <c>λ_d</c> (<c>d_initial</c>); small values (≤ 0.1) are recommended.</summary>
    public double DInitial
    {
        get => _dInitial;
        set { VerifyMutable(); _dInitial = value; }
    }

    /// <summary>
    /// Gets or sets a value indicating whether the vectors start as <c>λ_b = 0</c>, <c>λ_d = d_initial</c>, so the
    /// adapter is a no-op (<c>init_weights</c>); when false, <c>λ_b = 1</c> and <c>λ_d</c> is standard normal.
    /// </summary>
    public bool InitWeights
    {
        get => _initWeights;
        set { VerifyMutable(); _initWeights = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new VeraConfig(this);

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

        if (!double.IsFinite(_dInitial))
        {
            throw new ArgumentOutOfRangeException(nameof(DInitial), _dInitial, $"`{nameof(DInitial)}` must be a finite number, got {_dInitial}.");
        }
    }

    /// <summary>PEFT's default values.</summary>
    internal static class Defaults
    {
        internal const int Rank = 256;
        internal const double Dropout = 0.0;
        internal const double DInitial = 0.1;
    }
}
