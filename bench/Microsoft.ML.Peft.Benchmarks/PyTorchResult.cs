// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>What one run of the PyTorch script reports (pytorch/bert_step.py), in seconds and bytes as our children.</summary>
/// <param name="Mode"><c>init</c>, <c>full</c>, <c>lora</c> or <c>inference</c>.</param>
/// <param name="StepSeconds">Measured training steps (after the warm-up steps).</param>
/// <param name="Losses">The loss of every training step, warm-up steps first.</param>
/// <param name="PeakResidentBytes">VmHWM of the Python process at its end, read as <see cref="ProcessMemory"/> reads ours.</param>
/// <param name="BaseSeconds">Forward passes of the base model (inference).</param>
/// <param name="UnmergedSeconds">Forward passes with the LoRA adapter unmerged (inference).</param>
/// <param name="Threads">torch.get_num_threads() in the script.</param>
internal sealed record PyTorchResult(
    string Mode,
    double[]? StepSeconds,
    double[]? Losses,
    long PeakResidentBytes,
    long? TrainableParameters,
    double[]? BaseSeconds,
    double[]? UnmergedSeconds,
    string TorchVersion,
    int Threads);
