// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// The training options every task estimator's options class offers, so one helper turns them into an engine run. The learning
/// rate is not among them: its default depends on the method, so the run is given the rate to use.
/// </summary>
internal interface ITaskTrainingOptions
{
    int Epochs { get; }

    int BatchSize { get; }

    double WeightDecay { get; }

    double WarmupFraction { get; }

    LearningRateDecay LearningRateDecay { get; }

    double MaxGradientNorm { get; }

    int? EarlyStoppingPatience { get; }

    EarlyStoppingMetric EarlyStoppingMetric { get; }

    double EarlyStoppingMinDelta { get; }

    int EarlyStoppingMinEpochs { get; }

    string? CheckpointDirectory { get; }

    int CheckpointEverySteps { get; }

    bool MergeAdapterForPrediction { get; }

    IProgress<TrainingProgress>? Progress { get; }

    CancellationToken CancellationToken { get; }

    /// <summary>Where the run pauses (<see cref="TrainingSettings.StopAtScheduleFraction"/>); set only by the rank search.</summary>
    double? StopAtScheduleFraction { get; }
}
