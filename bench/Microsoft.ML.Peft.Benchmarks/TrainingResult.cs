// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>One training configuration (full fine-tuning or LoRA) on one backbone, measured in a process of its own.</summary>
/// <param name="Mode"><c>full</c> or <c>lora</c>.</param>
/// <param name="Step">Step times in seconds (after the warm-up steps).</param>
/// <param name="LastLoss">The loss of the last step; finite when training works.</param>
/// <param name="PeakResidentBytes">The process's peak resident memory at the end (VmHWM), model construction included.</param>
/// <param name="ResidentBeforeFirstStepBytes">Resident memory with the model, inputs and optimizer built, before the first step (TorchSharp's AdamW allocates its moments in its constructor).</param>
/// <param name="StateBytes">fp32 bytes of parameters + gradients + AdamW's two moments (of the trainable parameters): the persistent tensors.</param>
/// <param name="ForwardFlops">Matmul FLOPs of the forward pass (see <see cref="StepFlops"/>).</param>
/// <param name="StepFlops">Matmul FLOPs of the whole step.</param>
/// <param name="AchievedGflops">StepFlops / median step time, in GFLOP/s.</param>
/// <param name="Losses">The loss of every step, warm-up steps first (the PyTorch comparison checks them step by step).</param>
internal sealed record TrainingResult(
    string Backbone,
    string Mode,
    TimingSummary Step,
    double LastLoss,
    long PeakResidentBytes,
    long ResidentBeforeFirstStepBytes,
    string MemorySource,
    long TotalParameters,
    long TrainableParameters,
    long StateBytes,
    double ForwardFlops,
    double StepFlops,
    double AchievedGflops,
    double[]? Losses = null);
