// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>
/// What happened while a PEFT task estimator trained, as every task reports it; each task's report (e.g.
/// <c>TextClassifierTrainingInfo</c>) adds what is particular to its data.
/// </summary>
public abstract class PeftTrainingInfo
{
    /// <summary>Takes the shared figures from the method's parameter report and the engine's result.</summary>
    private protected PeftTrainingInfo(TrainableParameterReport report, TrainingResult result)
    {
        TrainableParameters = report.TrainableParameters;
        TotalParameters = report.AllParameters;
        Steps = result.Steps;
        EpochsRun = result.EpochsCompleted;
        ValidationAccuracy = result.MetricHistory;
        ValidationLoss = result.LossHistory.Select(l => l ?? double.NaN).ToArray();
        Elapsed = result.Elapsed;
    }

    /// <summary>Parameters trained (adapter and head).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>All parameters of the network.</summary>
    public long TotalParameters { get; init; }

    /// <summary>Optimizer steps run.</summary>
    public int Steps { get; init; }

    /// <summary>Epochs run (fewer than asked for when training stopped early).</summary>
    public int EpochsRun { get; init; }

    /// <summary>The validation metric after each epoch (the task's accuracy); empty without a validation set.</summary>
    public IReadOnlyList<double> ValidationAccuracy { get; init; } = Array.Empty<double>();

    /// <summary>The validation loss (the training objective on the validation set) after each epoch; empty without a validation set.</summary>
    public IReadOnlyList<double> ValidationLoss { get; init; } = Array.Empty<double>();

    /// <summary>
    /// What looked wrong with the trained model, each with what to try, also written to the MLContext log as warnings: for
    /// example every prediction on the validation or training set falling into one class. Empty when nothing did.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>Wall-clock training time.</summary>
    public TimeSpan Elapsed { get; init; }
}
