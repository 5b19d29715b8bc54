// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Serving several LoRA adapters on one backbone (eval, no_grad), for the same rows: one adapter for the whole batch; one
/// mixed batch in which each row names its adapter or the base model (<see cref="PeftModel.UseAdapterPerRow"/>); and one
/// batch per adapter (and one for the base rows) run one after the other.
/// </summary>
/// <param name="RowAdapters">The adapter of each row, in order.</param>
/// <param name="MixedMaxAbsDifference">max |logits of the mixed batch − logits of the per-adapter batches|, a check that both compute the same.</param>
/// <param name="MixedVersusSingleMaxAbsDifference">max |logits of the mixed batch − logits with the first adapter everywhere|, a check that the adapters differ.</param>
internal sealed record MixedAdapterResult(
    string Backbone,
    int Rows,
    int Adapters,
    string[] RowAdapters,
    TimingSummary SingleAdapter,
    TimingSummary Mixed,
    TimingSummary Sequential,
    double MixedMaxAbsDifference,
    double MixedVersusSingleMaxAbsDifference)
{
    public double SingleRowsPerSecond => Rows / SingleAdapter.Median;

    public double MixedRowsPerSecond => Rows / Mixed.Median;

    public double SequentialRowsPerSecond => Rows / Sequential.Median;

    /// <summary>Throughput of the mixed batch relative to one adapter for the whole batch.</summary>
    public double MixedOverSingle => MixedRowsPerSecond / SingleRowsPerSecond;

    /// <summary>Throughput of the mixed batch relative to one batch per adapter.</summary>
    public double MixedOverSequential => MixedRowsPerSecond / SequentialRowsPerSecond;
}
