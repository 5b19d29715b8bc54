// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// The settings of a rank search (<c>mlContext.Peft().Auto()</c>): what to search, how, for which metric, and within which
/// budgets. The task's own settings (backbone, columns, epochs, batch size) come from the task options the experiment is
/// created with; every trial starts from them.
/// </summary>
public sealed class PeftExperimentOptions
{
    /// <summary>The defaults of new options.</summary>
    public static class Defaults
    {
        /// <summary>The default time budget: 15 minutes.</summary>
        public static TimeSpan MaxExperimentTime { get; } = TimeSpan.FromMinutes(15);

        /// <summary>The default reduction factor η of successive halving: 3.</summary>
        public const int ReductionFactor = 3;

        /// <summary>The default number of rungs of successive halving: 3 (a ninth, a third and all of the schedule).</summary>
        public const int Rungs = 3;

        /// <summary>The default share of the training data held out for validation when no validation set is given: 0.2.</summary>
        public const double ValidationFraction = 0.2;
    }

    /// <summary>The values to try. Default: LoRA at ranks 4, 8 and 16 and three learning rates.</summary>
    public PeftSearchSpace SearchSpace { get; set; } = new();

    /// <summary>How trials are chosen. Default: <see cref="PeftSearchStrategy.SuccessiveHalving"/>.</summary>
    public PeftSearchStrategy Strategy { get; set; } = PeftSearchStrategy.SuccessiveHalving;

    /// <summary>The validation metric to maximize. Default: the task's (macro-F1 for classifiers, entity F1 for named entities).</summary>
    public PeftSearchMetric? Metric { get; set; }

    /// <summary>
    /// The time the search may take, the validation of every trial included; the trial running when it ends is stopped and left
    /// out. Default 15 minutes.
    /// </summary>
    public TimeSpan MaxExperimentTime { get; set; } = Defaults.MaxExperimentTime;

    /// <summary>
    /// The most trials (configurations) to start; a trial that successive halving continues counts once. Default: as many as
    /// the grid has.
    /// </summary>
    public int? MaxTrials { get; set; }

    /// <summary>Successive halving's η: a trial continues when it is in the best 1 / η at its rung, to η times the budget. Default 3.</summary>
    public int ReductionFactor { get; set; } = Defaults.ReductionFactor;

    /// <summary>Successive halving's rungs; the first trains η<sup>1 − rungs</sup> of the schedule. Default 3.</summary>
    public int Rungs { get; set; } = Defaults.Rungs;

    /// <summary>The share of the training data held out for validation when no validation set is given. Default 0.2.</summary>
    public double ValidationFraction { get; set; } = Defaults.ValidationFraction;

    /// <summary>The seed of the tuner's draws and of every trial; the same seed and data give the same search. Default: drawn from the MLContext.</summary>
    public int? Seed { get; set; }

    /// <summary>Receives a report after every evaluated trial: trial n of m, its result and the best so far.</summary>
    public IProgress<PeftTrialProgress>? Progress { get; set; }

    /// <summary>Ends the search between training steps; the trials evaluated so far are returned.</summary>
    public CancellationToken CancellationToken { get; set; }
}
