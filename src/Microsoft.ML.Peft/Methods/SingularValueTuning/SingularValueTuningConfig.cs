// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Configuration of singular-value tuning, the adaptation at the core of CLIP-SVD (<c>peft_type: "SINGULAR_VALUE_TUNING"</c>,
/// not a Hugging Face PEFT method): each target weight is decomposed once as <c>W = U·diag(s)·Vᵀ</c> and only the
/// singular values of the top k directions train.
/// </summary>
/// <remarks>
/// <para>
/// A target layer computes <c>y = base(x) + U_k·diag(Δs)·V_kᵀ·x</c>, where <c>Δs = s − s₀</c> is the trained change of the
/// top k singular values (zero at init, so the adapter starts as an exact no-op). Training <c>Δs</c> is training
/// <c>s</c>: the gradients are identical; only weight decay differs (it pulls <c>s</c> towards <c>s₀</c> rather than 0).
/// </para>
/// <para>
/// Only <c>Δs</c> is saved (k values per layer). <c>U</c> and <c>V</c> are recomputed from the base weight when the
/// adapter is loaded: each term <c>Δs_i·u_i·v_iᵀ</c> is unchanged by the joint sign flip <c>(u_i, v_i) → (−u_i, −v_i)</c>
/// that makes an SVD non-unique. The same SVD implementation repeats the update bit for bit; another one (another
/// device or LAPACK) agrees to about 2e-4 of the update's largest entry on a 768×768 weight, the error coming from the
/// closely spaced smallest singular values, whose vectors are the least well determined.
/// </para>
/// </remarks>
public sealed class SingularValueTuningConfig : PeftConfig
{
    /// <inheritdoc/>
    /// <remarks>Only the singular values train, as in CLIP-SVD, and they need ten times LoRA's rate to move.</remarks>
    internal override double DefaultLearningRate => 1e-2;

    private double _rankRatio = Defaults.RankRatio;

    /// <summary>Initializes a configuration that tunes every singular value (<see cref="RankRatio"/> = 1).</summary>
    public SingularValueTuningConfig()
    {
    }

    private SingularValueTuningConfig(SingularValueTuningConfig other)
        : base(other)
    {
        // Every field of this class must be copied here.
        _rankRatio = other._rankRatio;
    }

    /// <inheritdoc />
    public override string PeftType => Methods.SingularValueTuning.SingularValueTuningMethod.PeftTypeName;

    /// <summary>
    /// Gets or sets the fraction of singular values that train (<c>rank_ratio</c>), within (0, 1]. A layer of shape
    /// m×n trains <c>k = ⌊ratio·min(m, n)⌋</c> values rounded down to a multiple of 4 as CLIP-SVD does (at least 1);
    /// the other directions stay frozen in the base weight.
    /// </summary>
    public double RankRatio
    {
        get => _rankRatio;
        set { VerifyMutable(); _rankRatio = value; }
    }

    /// <inheritdoc />
    public override PeftConfig Clone() => new SingularValueTuningConfig(this);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (!(_rankRatio > 0 && _rankRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(RankRatio), _rankRatio, $"`{nameof(RankRatio)}` must be within (0, 1], got {_rankRatio}.");
        }
    }

    /// <summary>The number of singular values that train in a layer with <paramref name="fullRank"/> = min(m, n).</summary>
    internal static int TrainedRank(long fullRank, double rankRatio)
    {
        int k = (int)Math.Floor((rankRatio * fullRank) + 1e-9);
        return k >= 4 ? k / 4 * 4 : Math.Max(1, k);
    }

    /// <summary>The default values, shared by the configuration and the documentation.</summary>
    internal static class Defaults
    {
        internal const double RankRatio = 1.0;
    }
}
