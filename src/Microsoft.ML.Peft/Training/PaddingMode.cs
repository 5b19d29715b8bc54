// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>How training examples are grouped into batches and how far each batch is padded.</summary>
internal enum PaddingMode
{
    /// <summary>
    /// Examples of similar length share a batch (shuffled, then sorted by length within pools of about 50 batches),
    /// and each batch is padded to its longest example. The fastest choice; the default.
    /// </summary>
    LengthBucketed,

    /// <summary>Random batches, each padded to its longest example: no length grouping, so more padding than <see cref="LengthBucketed"/>.</summary>
    PadToLongest,

    /// <summary>Random batches, all padded to the longest example of the whole set: the slowest choice, kept for benchmarks.</summary>
    PadToMax,
}
