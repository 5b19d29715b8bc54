// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// A snapshot of a fine-tuning run, handed to the <see cref="IProgress{T}"/> that an estimator's options receive:
/// every few optimizer steps and once at the end of each epoch.
/// </summary>
/// <remarks>
/// Reports are sent synchronously from the training thread; a handler that blocks slows training down.
/// Steps and epochs count from 1 and include the steps done before a run resumed from a checkpoint.
/// </remarks>
public sealed class TrainingProgress
{
    /// <summary>Gets the current epoch, from 1 to <see cref="TotalEpochs"/>.</summary>
    public int Epoch { get; init; }

    /// <summary>Gets the number of epochs the run was configured for (it may stop earlier; see <see cref="IsEpochEnd"/>).</summary>
    public int TotalEpochs { get; init; }

    /// <summary>Gets the number of optimizer steps completed so far.</summary>
    public int Step { get; init; }

    /// <summary>Gets the number of optimizer steps of the whole run (epochs × batches per epoch).</summary>
    public int TotalSteps { get; init; }

    /// <summary>Gets the mean training loss over the steps since the previous report.</summary>
    public double Loss { get; init; }

    /// <summary>Gets the learning rate used by the latest step (it follows the warmup and decay schedule).</summary>
    public double LearningRate { get; init; }

    /// <summary>
    /// Gets the mean gradient norm, before clipping, over the steps since the previous report;
    /// <see langword="null"/> when gradient clipping is off (the norm is only computed for clipping).
    /// </summary>
    public double? GradientNorm { get; init; }

    /// <summary>Gets the training throughput of this run so far, in examples per second (validation time excluded).</summary>
    public double RowsPerSecond { get; init; }

    /// <summary>Gets the time elapsed since this run started (not counting the time before a resumed checkpoint).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Gets the estimated time until the last step, from the mean step time so far (validation not included).</summary>
    public TimeSpan EstimatedTimeRemaining { get; init; }

    /// <summary>Gets a value indicating whether this report closes an epoch; validation results come only with these reports.</summary>
    public bool IsEpochEnd { get; init; }

    /// <summary>Gets the validation metric measured at the end of this epoch; <see langword="null"/> on step reports or without a validation set.</summary>
    public double? ValidationMetric { get; init; }

    /// <summary>Gets the name of <see cref="ValidationMetric"/>, for example <c>accuracy</c>; <see langword="null"/> when there is none.</summary>
    public string? ValidationMetricName { get; init; }

    /// <summary>Formats the snapshot as one log line.</summary>
    /// <returns>For example <c>epoch 1/3, step 40/120: loss 0.6931, lr 2.00E-004, 812.5 rows/s, ETA 00:01:23</c>.</returns>
    public override string ToString()
    {
        var line = FormattableString.Invariant(
            $"epoch {Epoch}/{TotalEpochs}, step {Step}/{TotalSteps}: loss {Loss:F4}, lr {LearningRate:E2}, {RowsPerSecond:F1} rows/s, ETA {FormatDuration(EstimatedTimeRemaining)}");
        if (GradientNorm is double norm)
        {
            line += FormattableString.Invariant($", grad norm {norm:F3}");
        }

        if (ValidationMetric is double metric)
        {
            line += FormattableString.Invariant($", validation {ValidationMetricName ?? "metric"} {metric:F4}");
        }

        return line;
    }

    // Hours are not wrapped at 24, so a long run's estimate stays readable.
    private static string FormatDuration(TimeSpan span) =>
        FormattableString.Invariant($"{(long)span.TotalHours:D2}:{span.Minutes:D2}:{span.Seconds:D2}");
}
