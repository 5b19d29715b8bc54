// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>The resolved settings of one LoRA adapter on one layer (rank and alpha after rank_pattern/alpha_pattern).</summary>
internal sealed record LoraAdapterSettings(
    int Rank,
    double Alpha,
    double Dropout,
    bool UseRsLora,
    bool UseDora,
    bool UseLoraBias,
    LoraInitialization Initialization,
    int? PissaIterations)
{
    /// <summary>s = alpha / r, or alpha / √r with rsLoRA.</summary>
    internal double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;
}
