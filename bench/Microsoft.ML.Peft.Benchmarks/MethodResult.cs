// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>One method trained with the text-classification estimator on SMS spam, measured in a process of its own.</summary>
/// <param name="TrainableParameters">Everything that trained: the method's tensors and the classification head.</param>
/// <param name="HeadParameters">The part of <paramref name="TrainableParameters"/> that is the new head (the same for every method).</param>
/// <param name="StepSeconds">Training time divided by the optimizer steps: forward, backward, AdamW, batching and tokenization included.</param>
/// <param name="Accuracy">Held-out accuracy (20 % of the messages, split with seed 1).</param>
/// <param name="SpamF1">F1 of the spam class on the held-out messages.</param>
/// <param name="AdapterBytes">Size on disk of the adapter as saved in PEFT's format (adapter_model.safetensors + adapter_config.json).</param>
/// <param name="PeakResidentBytes">The process's peak resident memory (VmHWM) at the end.</param>
internal sealed record MethodResult(
    string Method,
    string Settings,
    double LearningRate,
    long TrainableParameters,
    long HeadParameters,
    long TotalParameters,
    int Steps,
    double TrainingSeconds,
    double StepSeconds,
    double Accuracy,
    double SpamF1,
    long AdapterBytes,
    long PeakResidentBytes);
