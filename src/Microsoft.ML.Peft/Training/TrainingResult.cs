// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>What a <see cref="PeftTrainingEngine"/> run did.</summary>
/// <param name="Steps">Optimizer steps completed, counting those before a resumed checkpoint.</param>
/// <param name="TotalSteps">Steps the run was configured for; more than <paramref name="Steps"/> after early stopping.</param>
/// <param name="ResumedFromStep">The checkpoint step this run continued from; 0 for a fresh run.</param>
/// <param name="EpochsCompleted">Epochs finished.</param>
/// <param name="MetricHistory">The validation metric of each finished epoch, in order; empty without validation.</param>
/// <param name="BestEpoch">The 1-based epoch with the best finite monitored value (metric or loss, as early stopping was set); <see langword="null"/> without one.</param>
/// <param name="StoppedEarly">True when early stopping ended the run before its last epoch.</param>
/// <param name="RestoredBestEpoch">True when the best epoch's trainable values were copied back at the end (early stopping on).</param>
/// <param name="FinalLoss">The mean training loss of the last epoch this run trained in; NaN when it ran no step.</param>
/// <param name="Elapsed">Wall time of this run.</param>
internal sealed record TrainingResult(
    int Steps,
    int TotalSteps,
    int ResumedFromStep,
    int EpochsCompleted,
    IReadOnlyList<double> MetricHistory,
    int? BestEpoch,
    bool StoppedEarly,
    bool RestoredBestEpoch,
    double FinalLoss,
    TimeSpan Elapsed)
{
    /// <summary>Gets the validation loss of each finished epoch; null entries where the task measured none, empty without validation.</summary>
    internal IReadOnlyList<double?> LossHistory { get; init; } = Array.Empty<double?>();
}
