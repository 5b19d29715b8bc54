// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// One round of the PyTorch comparison: every configuration once on our side and once on PyTorch's, each in a process of
/// its own, ours first in odd rounds and PyTorch's first in even ones, so that a slow spell on a shared machine does not
/// always land on the same side. A null field is a run that failed (the report's failures say why).
/// </summary>
/// <param name="LoraDropout">LoRA with the run's LoRA dropout (0.1 by default), hidden and attention dropout 0.1.</param>
/// <param name="LoraNoDropout">LoRA with a LoRA dropout of 0, hidden and attention dropout 0.1.</param>
/// <param name="Full">Full fine-tuning, hidden and attention dropout 0.1.</param>
/// <param name="Inference">Eval-mode forward passes: base and LoRA unmerged.</param>
internal sealed record PyTorchRound(
    int Round,
    bool OursFirst,
    TrainingResult? LoraDropout,
    PyTorchResult? PyTorchLoraDropout,
    TrainingResult? LoraNoDropout,
    PyTorchResult? PyTorchLoraNoDropout,
    TrainingResult? Full,
    PyTorchResult? PyTorchFull,
    InferenceResult? Inference,
    PyTorchResult? PyTorchInference);
