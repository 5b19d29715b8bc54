// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>The resolved settings of one LoKr adapter on one layer (rank and alpha after rank_pattern/alpha_pattern).</summary>
internal sealed record LoKrAdapterSettings(
    int Rank,
    double Alpha,
    double RankDropout,
    bool RankDropoutScale,
    double ModuleDropout,
    bool DecomposeBoth,
    int DecomposeFactor,
    LoKrInitialization Initialization,
    bool UseEffectiveConv2d = false)
{
    /// <summary>
    /// s = alpha / r. PEFT applies it even when both factors are full matrices and r shapes nothing; kept so adapters
    /// trained in either library mean the same.
    /// </summary>
    internal double Scaling => Alpha / Rank;
}
