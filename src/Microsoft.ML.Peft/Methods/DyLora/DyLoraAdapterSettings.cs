// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.DyLora;

/// <summary>The settings of one DyLoRA adapter on one layer.</summary>
internal sealed record DyLoraAdapterSettings(int MaxRank, double Alpha, double Dropout, bool FrozenLowerRanks, int Seed)
{
    /// <summary>The effective scaling at rank b: the reference's α/r_max times √(r_max/b) on each factor, i.e. α/b.</summary>
    internal double Scaling(int rank) => Alpha / rank;
}
