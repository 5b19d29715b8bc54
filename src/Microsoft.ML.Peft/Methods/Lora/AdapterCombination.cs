// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// How <see cref="LoraWeightedAdapters.AddWeightedAdapter"/> combines LoRA adapters (PEFT's <c>combination_type</c>).
/// </summary>
/// <remarks>
/// With <c>c_i = w_i·s_i</c> (weight times the adapter's scaling): <see cref="Cat"/> stacks the factors and is exact;
/// <see cref="Linear"/>, <see cref="Ties"/>, <see cref="DareLinear"/>, <see cref="DareTies"/> and
/// <see cref="MagnitudePrune"/> combine the A factors and the B factors separately (with weights <c>±√|c_i|</c>), so
/// their product has cross terms <c>B_i·A_j</c>; the <c>*Svd</c> types combine the dense updates and refactor them
/// with a truncated SVD.
/// </remarks>
public enum AdapterCombination
{
    /// <summary>Dense updates summed with weights <c>c_i</c>, then a truncated SVD (<c>svd</c>, PEFT's default).</summary>
    Svd,

    /// <summary>A and B factors each summed with weights <c>±√|c_i|</c> (<c>linear</c>); all ranks must be equal.</summary>
    Linear,

    /// <summary>A factors stacked as rows (scaled by <c>c_i</c>), B factors as columns (<c>cat</c>); exact, rank Σ r_i.</summary>
    Cat,

    /// <summary>TIES on the A and B factors: magnitude pruning, sign election, disjoint mean (<c>ties</c>).</summary>
    Ties,

    /// <summary>TIES on the dense updates, then a truncated SVD (<c>ties_svd</c>).</summary>
    TiesSvd,

    /// <summary>DARE on the A and B factors: random pruning with rescaling, then a weighted sum (<c>dare_linear</c>).</summary>
    DareLinear,

    /// <summary>DARE pruning then TIES sign election and disjoint mean, on the A and B factors (<c>dare_ties</c>).</summary>
    DareTies,

    /// <summary>DARE on the dense updates, then a truncated SVD (<c>dare_linear_svd</c>).</summary>
    DareLinearSvd,

    /// <summary>DARE-TIES on the dense updates, then a truncated SVD (<c>dare_ties_svd</c>).</summary>
    DareTiesSvd,

    /// <summary>Magnitude pruning then a weighted sum, on the A and B factors (<c>magnitude_prune</c>).</summary>
    MagnitudePrune,

    /// <summary>Magnitude pruning then a weighted sum of the dense updates, then a truncated SVD (<c>magnitude_prune_svd</c>).</summary>
    MagnitudePruneSvd,
}
