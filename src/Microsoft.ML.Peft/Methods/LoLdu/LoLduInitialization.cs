// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How LoLDU's trainable diagonal <c>z</c> starts (<c>init_method</c> of <see cref="LoLduConfig"/>).</summary>
/// <remarks>Whatever the start, the base weight is rewritten so that the adapted layer's output is unchanged at init.</remarks>
public enum LoLduInitialization
{
    /// <summary>The first r pivots of the LU decomposition, <c>z = D[:r]</c> (<c>"lu"</c>, the reference default).</summary>
    Lu,

    /// <summary><c>z = 1</c> (<c>"ones"</c>, an ablation of the reference).</summary>
    Ones,

    /// <summary><c>z = 0</c>: the base weight is left as it is (<c>"zeros"</c>, an ablation of the reference).</summary>
    Zeros,
}
