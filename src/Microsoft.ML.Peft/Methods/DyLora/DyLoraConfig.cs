// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of DyLoRA (arXiv 2210.07558; <c>peft_type: "DYLORA"</c>, not a Hugging Face PEFT method): LoRA factors of
/// rank r_max trained so that every leading rank b ≤ r_max works on its own, so one training run serves a rank search.
/// </summary>
/// <remarks>
/// <para>
/// At rank b a target layer computes <c>y = base(x) + (alpha / b)·B[:, :b]·A[:b]·dropout(x)</c>, which is a plain LoRA of
/// rank b with the same alpha. Each training forward draws b uniformly from {1, …, r_max}; the n-th training forward of
/// every layer draws the same b (a pure function of <see cref="RankSamplingSeed"/> and n), so all layers share the rank of
/// a step and runs are reproducible. Evaluation and merging use <see cref="EvaluationRank"/>
/// (r_max when not set), which <see cref="DyLoraModelExtensions.SetDyLoraRank"/> changes on a live model.
/// </para>
/// <para>Saved tensors are <c>dylora_A.weight</c> (r_max×d_in) and <c>dylora_B.weight</c> (d_out×r_max).</para>
/// </remarks>
public sealed class DyLoraConfig : PeftConfig, Adapters.IRankedConfig, Adapters.IScaledConfig, Adapters.IDropoutConfig
{
    private int _rank = Defaults.Rank;
    private double _alpha = Defaults.Alpha;
    private double _dropout;
    private bool _frozenLowerRanks;
    private int? _evaluationRank;
    private int _rankSamplingSeed;

    /// <summary>Initializes a configuration with r_max = 8, alpha = 8, no dropout, and every rank up to b trained each step.</summary>
    public DyLoraConfig()
    {
    }

    private DyLoraConfig(DyLoraConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rank = other._rank;
        _alpha = other._alpha;
        _dropout = other._dropout;
        _frozenLowerRanks = other._frozenLowerRanks;
        _evaluationRank = other._evaluationRank;
        _rankSamplingSeed = other._rankSamplingSeed;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.DyLora.DyLoraMethod.PeftTypeName;

    /// <summary>Gets or sets the largest rank r_max, the size of the stored factors (<c>r</c>). Must be positive.</summary>
    public int Rank
    {
        get => _rank;
        set { VerifyMutable(); _rank = value; }
    }

    /// <summary>Gets or sets alpha; rank b is scaled by <c>alpha / b</c> (<c>lora_alpha</c>). Must be positive.</summary>
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

    /// <summary>
    /// Gets or sets a value indicating whether a step at rank b trains only the b-th row of A and column of B, the lower
    /// ranks being used but detached (the reference's "frozen" variant, <c>dylora_frozen</c>). False trains all of 1..b.
    /// </summary>
    public bool FrozenLowerRanks
    {
        get => _frozenLowerRanks;
        set { VerifyMutable(); _frozenLowerRanks = value; }
    }

    /// <summary>
    /// Gets or sets the rank used outside training and by merges (<c>dylora_rank</c>), within [1, <see cref="Rank"/>];
    /// <see langword="null"/> uses r_max. A model's current choice is updated by <see cref="DyLoraModelExtensions.SetDyLoraRank"/>
    /// and saved with the adapter.
    /// </summary>
    public int? EvaluationRank
    {
        get => _evaluationRank;
        set { VerifyMutable(); _evaluationRank = value; }
    }

    /// <summary>Gets or sets the seed of the per-step rank draws (<c>dylora_seed</c>).</summary>
    public int RankSamplingSeed
    {
        get => _rankSamplingSeed;
        set { VerifyMutable(); _rankSamplingSeed = value; }
    }

    /// <summary>The rank used outside training.</summary>
    internal int EffectiveEvaluationRank => _evaluationRank ?? _rank;

    /// <inheritdoc />
    public override PeftConfig Clone() => new DyLoraConfig(this);

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

        if (_evaluationRank is int b && (b < 1 || b > _rank))
        {
            throw new ArgumentOutOfRangeException(
                nameof(EvaluationRank), b, $"`{nameof(EvaluationRank)}` must be within [1, {nameof(Rank)} = {_rank}], got {b}; leave it null to use {nameof(Rank)}.");
        }
    }

    /// <summary>Records the rank a live model now evaluates with; the configuration is the model's own frozen copy.</summary>
    internal void RecordEvaluationRank(int rank) => _evaluationRank = rank;

    /// <summary>The default values, shared by the configuration and the documentation.</summary>
    internal static class Defaults
    {
        internal const int Rank = 8;
        internal const double Alpha = 8;
    }
}
