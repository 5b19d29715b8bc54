// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Everything measured on one backbone; a child that failed leaves its entry null and a line in <paramref name="Failures"/>.
/// <paramref name="MemoryComparison"/> holds the PaCA-vs-LoRA runs of the <c>paca</c> section.
/// </summary>
internal sealed record BackboneResults(
    string Name,
    TrainingResult? Full,
    TrainingResult? Lora,
    InferenceResult? Inference,
    PaddingResult? Padding,
    List<string> Failures,
    List<TrainingResult>? MemoryComparison = null,
    MixedAdapterResult? MixedAdapters = null)
{
    /// <summary>LoRA step time / full step time (target ≤ 0.62).</summary>
    public double? StepTimeRatio => Full is null || Lora is null ? null : Lora.Step.Median / Full.Step.Median;

    /// <summary>LoRA peak RSS / full peak RSS (target ≤ 0.40).</summary>
    public double? PeakMemoryRatio => Full is null || Lora is null ? null : (double)Lora.PeakResidentBytes / Full.PeakResidentBytes;
}
