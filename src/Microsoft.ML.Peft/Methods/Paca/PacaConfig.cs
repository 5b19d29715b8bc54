// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of PaCA (partial connection adaptation, arXiv 2503.01905; <c>peft_type: "PACA"</c>): each target
/// linear layer trains <c>r</c> randomly chosen input columns of its weight and nothing else. Field names follow the
/// authors' <c>PacaConfig</c> (<c>r</c>, <c>paca_alpha</c>).
/// </summary>
/// <remarks>
/// The layer computes <c>y = x·W_effᵀ + b</c>, where <c>W_eff</c> equals the frozen <c>W</c> except its columns
/// <c>idx</c>, which are <c>s·paca_w</c> with <c>s = paca_alpha / r</c>. <c>idx</c> is drawn once (from TorchSharp's
/// seeded generator) and saved with the adapter as <c>paca_indices</c>. The backward pass keeps only the selected
/// input features <c>x[..., idx]</c>, not the whole layer input, which is where PaCA saves activation memory
/// compared with LoRA. Merging writes the columns into the base weight exactly.
/// </remarks>
public sealed class PacaConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig
{
    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;

    /// <summary>Initializes a configuration with r = 8 and paca_alpha = 8 (so s = 1).</summary>
    public PacaConfig()
    {
    }

    private PacaConfig(PacaConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.Paca.PacaMethod.PeftTypeName;

    /// <summary>Gets or sets the number of input columns trained per target (<c>r</c>). Must be positive and at most the target's input size.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>Gets or sets alpha, the numerator of the scaling <c>s = paca_alpha / r</c> (<c>paca_alpha</c>). Must be positive.</summary>
    public double Alpha
    {
        get => _alpha;
        set { VerifyMutable(); _alpha = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new PacaConfig(this);

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
    }

    /// <summary>Default values, shared by the configuration and any catalog overload.</summary>
    internal static class Defaults
    {
        internal const int Rank = 8;
        internal const double Alpha = 8;
    }
}
