// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How LoRA's A and B matrices start (PEFT's <c>init_lora_weights</c>).</summary>
/// <remarks>
/// PiSSA and OLoRA rewrite the base weight to <c>W - s·B·A</c> so the model output is unchanged at the start;
/// an adapter trained with them therefore belongs to the rewritten base. They apply to linear targets; embedding
/// targets fall back to <see cref="Default"/>, as in PEFT.
/// </remarks>
public enum LoraInitialization
{
    /// <summary>A from Kaiming-uniform (a = √5), B = 0, so the adapter starts as a no-op (PEFT <c>true</c>).</summary>
    Default,

    /// <summary>A from N(0, 1/r²), B = 0 (PEFT <c>"gaussian"</c>).</summary>
    Gaussian,

    /// <summary>A and B both random, so the adapter is not a no-op; for tests and debugging (PEFT <c>false</c>).</summary>
    Random,

    /// <summary>A and B from the top-r singular triplets of W, residual left in the base (PEFT <c>"pissa"</c> / <c>"pissa_niter_K"</c>).</summary>
    PiSSA,

    /// <summary>A and B from the first r columns/rows of W's QR decomposition, residual left in the base (PEFT <c>"olora"</c>).</summary>
    OLoRA,
}
