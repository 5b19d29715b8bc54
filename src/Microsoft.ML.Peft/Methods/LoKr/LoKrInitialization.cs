// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How LoKr's Kronecker factors start (PEFT's <c>init_weights</c>).</summary>
public enum LoKrInitialization
{
    /// <summary>
    /// w1 (or w1_a) = 0 and the other factors Kaiming-uniform (a = √5), so the adapter starts as a no-op (PEFT <c>true</c>).
    /// </summary>
    Default,

    /// <summary>
    /// w1 (or w1_a, w1_b) Kaiming-uniform and w2 (or w2_b) = 0, as the LyCORIS repository does; also a no-op at the start
    /// (PEFT <c>"lycoris"</c>).
    /// </summary>
    Lycoris,

    /// <summary>Every factor Kaiming-uniform, so the adapter is not a no-op; for tests and debugging (PEFT <c>false</c>).</summary>
    Random,
}
