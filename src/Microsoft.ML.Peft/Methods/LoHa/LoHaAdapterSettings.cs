// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.LoHa;

/// <summary>The resolved settings of one LoHa adapter on one layer (rank and alpha after rank_pattern/alpha_pattern).</summary>
internal sealed record LoHaAdapterSettings(int Rank, double Alpha, double RankDropout, double ModuleDropout, bool InitWeights, bool UseEffectiveConv2d = false)
{
    /// <summary>s = alpha / r.</summary>
    internal double Scaling => Alpha / Rank;
}
