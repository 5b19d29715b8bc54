// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How TIES elects the sign of each entry (PEFT's <c>majority_sign_method</c>); ties (a zero sum) elect +.</summary>
public enum MajoritySignMethod
{
    /// <summary>The sign of the sum of the pruned (unweighted) task tensors (<c>total</c>).</summary>
    Total,

    /// <summary>The sign of the sum of their signs, i.e. the most frequent sign (<c>frequency</c>).</summary>
    Frequency,
}
