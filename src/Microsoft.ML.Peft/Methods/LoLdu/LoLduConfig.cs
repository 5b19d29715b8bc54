// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of LoLDU (arXiv 2410.13618; <c>peft_type: "LOLDU"</c>, not a Hugging Face PEFT method): each target
/// weight is factored once by LU with partial pivoting, <c>W = P·L·diag(D)·U₁</c>, and only a diagonal of r values
/// between the first r columns of L and the first r rows of U₁ trains.
/// </summary>
/// <remarks>
/// <para>
/// A target layer computes with the weight <c>W_res + σ·P·L_r·diag(z)·U_r</c>, <c>σ = alpha / r</c> (fixed; the
/// reference trains only <c>z</c>). <c>W_res = W − σ·P·L_r·diag(z₀)·U_r</c> is written into the base weight when the
/// adapter is added (as PiSSA does), so the output is unchanged at init up to float32 rounding (about 1e-6 relative).
/// </para>
/// <para>
/// Only <c>z</c> is saved (r values per layer). Loading the adapter onto the original base model repeats the LU
/// decomposition, which is deterministic, rewrites the base the same way and then copies <c>z</c>.
/// </para>
/// </remarks>
public sealed class LoLduConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig
{
    /// <inheritdoc/>
    /// <remarks>Only the diagonal and its scale train, a few values per layer, and they need ten times LoRA's rate to move.</remarks>
    internal override double DefaultLearningRate => 1e-2;

    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;
    private LoLduInitialization _initialization = LoLduInitialization.Lu;

    /// <summary>Initializes a configuration with r = 8, alpha = 1 (σ = 1/r) and the LU initialization.</summary>
    public LoLduConfig()
    {
    }

    private LoLduConfig(LoLduConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
        _initialization = other._initialization;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.LoLdu.LoLduMethod.PeftTypeName;

    /// <summary>Gets or sets the rank r, the number of trained diagonal values per layer (<c>r</c>). Positive, at most min(d_out, d_in).</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>Gets or sets alpha, the numerator of the fixed scaling <c>σ = alpha / r</c> (<c>loldu_alpha</c>). Must be positive.</summary>
    public double Alpha
    {
        get => _alpha;
        set { VerifyMutable(); _alpha = value; }
    }

    /// <summary>Gets or sets how the diagonal <c>z</c> starts (<c>init_method</c>).</summary>
    public LoLduInitialization Initialization
    {
        get => _initialization;
        set { VerifyMutable(); _initialization = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new LoLduConfig(this);

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

        if (!Enum.IsDefined(_initialization))
        {
            throw new ArgumentOutOfRangeException(nameof(Initialization), _initialization, $"`{nameof(Initialization)}` = {_initialization} is not a {nameof(LoLduInitialization)} value.");
        }
    }

    /// <summary>The default values, shared by the configuration and the documentation.</summary>
    internal static class Defaults
    {
        internal const int Rank = 8;
        internal const double Alpha = 1.0;
    }
}
