// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Methods.Lycoris;

/// <summary>
/// The training-time dropouts of one LoKr or LoHa adapter: <paramref name="Rank"/> zeroes rows of ΔW (divided by the
/// kept fraction when <paramref name="ScaleRank"/>), <paramref name="Module"/> skips the whole adapter.
/// </summary>
internal sealed record LycorisDropouts(double Rank, bool ScaleRank, double Module);
