// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Forward-pass latency in eval mode under no_grad: the plain model, with LoRA hooks (unmerged), and after MergeAdapter.</summary>
/// <param name="MergedMaxAbsDifference">max |logits merged − logits unmerged|, a check that merging kept the function (B is randomised first).</param>
internal sealed record InferenceResult(
    string Backbone,
    TimingSummary Base,
    TimingSummary LoraUnmerged,
    TimingSummary LoraMerged,
    double UnmergedOverBase,
    double MergedOverBase,
    double MergedMaxAbsDifference);
