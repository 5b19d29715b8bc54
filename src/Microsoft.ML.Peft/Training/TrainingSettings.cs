// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>The hyperparameters and run settings of one <see cref="PeftTrainingEngine"/> run.</summary>
/// <remarks>
/// Every setting that changes the trained values is also part of a checkpoint's fingerprint
/// (see <see cref="TrainingCheckpoint"/>), so a checkpoint is only resumed by a run that would have produced it.
/// </remarks>
internal sealed record TrainingSettings
{
    /// <summary>Gets the number of passes over the training examples; positive.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Gets the number of examples per optimizer step; positive.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Gets the peak learning rate of AdamW, reached at the end of warmup; positive and finite.</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>
    /// Gets AdamW's decoupled weight decay; non-negative. As in Hugging Face's Trainer it is not applied to biases
    /// or normalization weights (see <see cref="WeightDecayPolicy"/>).
    /// </summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gets the fraction of all steps spent warming the learning rate up linearly from 0; within [0, 1].</summary>
    public double WarmupFraction { get; init; } = 0.06;

    /// <summary>Gets how the rate decays after warmup.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Linear;

    /// <summary>Gets the bound on the global gradient norm (L2 over all trainable parameters); 0 or <see langword="null"/> turns clipping off.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// Gets the number of epochs without a better validation metric after which training stops and the best epoch's
    /// trainable values are restored; <see langword="null"/> turns early stopping off. Needs a validation evaluator.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Gets what decides the best epoch and patience; the task's metric unless set (a task's options default to the loss).</summary>
    public EarlyStoppingMetric EarlyStoppingMetric { get; init; } = EarlyStoppingMetric.TaskMetric;

    /// <summary>Gets the margin by which the monitored value must beat the best so far to count as an improvement; 0 or more.</summary>
    public double EarlyStoppingMinDelta { get; init; }

    /// <summary>Gets the first epoch (1-based) that can be the best or count against patience; 1 or more.</summary>
    public int EarlyStoppingMinEpochs { get; init; } = 1;

    /// <summary>Gets the folder for resumable checkpoints; <see langword="null"/> writes none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Gets how many optimizer steps pass between checkpoints; positive. Used only with <see cref="CheckpointDirectory"/>.</summary>
    public int CheckpointEverySteps { get; init; } = 500;

    /// <summary>Gets how many optimizer steps pass between progress reports (an epoch's end always reports); positive.</summary>
    public int ReportEverySteps { get; init; } = 10;

    /// <summary>Gets the seed of every random choice: batch order and TorchSharp's generator (dropout).</summary>
    public int Seed { get; init; }

    /// <summary>Gets how examples are grouped into batches and padded.</summary>
    public PaddingMode PaddingMode { get; init; } = PaddingMode.LengthBucketed;

    /// <summary>
    /// Gets the fraction of the schedule after which the run pauses: it returns after step ⌈fraction × total steps⌉, writing a
    /// checkpoint there when <see cref="CheckpointDirectory"/> is set, and a later run with the same settings and a larger
    /// fraction resumes from it exactly. The learning-rate schedule stays that of all <see cref="Epochs"/>. Null runs to the end.
    /// </summary>
    /// <remarks>
    /// A budget-aware search trains a trial for a fraction of its schedule, compares it with the others and continues only the
    /// best; the fraction is left out of <see cref="TrainingFingerprint"/>, as it decides when the run stops, not what it trains.
    /// </remarks>
    public double? StopAtScheduleFraction { get; init; }

    /// <summary>Gets a value indicating whether gradient clipping is on.</summary>
    internal bool ClipsGradients => MaxGradNorm is > 0;

    /// <summary>Checks every setting and names the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; its name is the parameter name and the message says what is allowed.</exception>
    internal void Validate()
    {
        Check(Epochs > 0, nameof(Epochs), Epochs, "must be positive");
        Check(BatchSize > 0, nameof(BatchSize), BatchSize, "must be positive");
        Check(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "must be a positive finite number");
        Check(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be a non-negative finite number");
        Check(WarmupFraction is >= 0 and <= 1, nameof(WarmupFraction), WarmupFraction, "must be within [0, 1]");
        Check(MaxGradNorm is null || (MaxGradNorm >= 0 && double.IsFinite(MaxGradNorm.Value)), nameof(MaxGradNorm), MaxGradNorm,
            "must be a non-negative finite number, or 0 or null to turn clipping off");
        Check(EarlyStoppingPatience is null or > 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "must be positive, or null to turn early stopping off");
        Check(Enum.IsDefined(EarlyStoppingMetric), nameof(EarlyStoppingMetric), EarlyStoppingMetric,
            $"must be one of {string.Join(", ", Enum.GetNames<EarlyStoppingMetric>())}");
        Check(EarlyStoppingMinDelta >= 0 && double.IsFinite(EarlyStoppingMinDelta), nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "must be a non-negative finite number");
        Check(EarlyStoppingMinEpochs is >= 1 && EarlyStoppingMinEpochs <= Epochs, nameof(EarlyStoppingMinEpochs), EarlyStoppingMinEpochs, $"must be between 1 and `{nameof(Epochs)}` ({Epochs})");
        Check(CheckpointDirectory is null || !string.IsNullOrWhiteSpace(CheckpointDirectory), nameof(CheckpointDirectory), CheckpointDirectory,
            "must be a folder path, or null to write no checkpoints");
        Check(CheckpointEverySteps > 0, nameof(CheckpointEverySteps), CheckpointEverySteps, "must be positive");
        Check(StopAtScheduleFraction is null or (> 0 and <= 1), nameof(StopAtScheduleFraction), StopAtScheduleFraction, "must be within (0, 1], or null to run to the end");
        Check(ReportEverySteps > 0, nameof(ReportEverySteps), ReportEverySteps, "must be positive");
        Check(Enum.IsDefined(PaddingMode), nameof(PaddingMode), PaddingMode,
            $"must be one of {string.Join(", ", Enum.GetNames<PaddingMode>())}");
    }

    private static void Check(bool valid, string name, object? value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(name, value, $"`{name}` {rule}, got {Describe(value)}.");
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => $"'{text}'",
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
