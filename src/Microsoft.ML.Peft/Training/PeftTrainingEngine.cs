// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// The one training loop behind every PEFT estimator: length-bucketed batches, AdamW over the trainable parameters
/// only, linear warmup and decay, gradient clipping, end-of-epoch validation with early stopping, progress reports,
/// cancellation, seeding and resumable checkpoints.
/// </summary>
/// <remarks>
/// <para>
/// The engine sees examples only as indices and lengths; <see cref="TrainingJob.ComputeLoss"/> turns a batch of
/// indices into a loss. Each step runs in its own dispose scope, so a run leaves no tensors behind; once the checks
/// pass, the model is left in <c>eval()</c> mode and without gradients however the run ends.
/// </para>
/// <para>
/// Reproducibility: the same job and settings give bit-identical trained values on the CPU. Batch order comes from a
/// <see cref="Random"/> seeded per epoch and TorchSharp's global generator is reseeded before every step (see
/// <see cref="TrainingSeeds"/>), so dropout does not depend on what ran before. This overwrites the global
/// generator's state.
/// </para>
/// </remarks>
internal static partial class PeftTrainingEngine
{
    /// <summary>Trains the job's parameters.</summary>
    /// <param name="job">The model, its trainable parameters, the example lengths, the loss and the optional validation.</param>
    /// <param name="settings">The hyperparameters; validated here.</param>
    /// <param name="device">The device the trainable parameters already live on; <see cref="TrainingJob.ComputeLoss"/> receives it.</param>
    /// <param name="progress">Receives a report every <see cref="TrainingSettings.ReportEverySteps"/> steps and at each epoch's end.</param>
    /// <param name="log">Receives one line per report and a line for checkpoints, validation and early stopping.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="ArgumentException">The job is inconsistent (see the message).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    /// <exception cref="InvalidOperationException">The loss became non-finite, or a checkpoint belongs to another run.</exception>
    /// <exception cref="InvalidDataException">The checkpoint to resume is unreadable or inconsistent.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; the parameters keep the last completed step's values.</exception>
    internal static TrainingResult Train(
        TrainingJob job,
        TrainingSettings settings,
        Device device,
        IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate();
        CheckJob(job, settings, device);
        try
        {
            return TrainChecked(job, settings, device, progress, log, cancellationToken);
        }
        finally
        {
            // After the optimizer state and the last step's tensors are gone: what the run freed leaves the process.
            FreedNativeMemory.Release();
        }
    }

    private static TrainingResult TrainChecked(
        TrainingJob job, TrainingSettings settings, Device device, IProgress<TrainingProgress>? progress, Action<string>? log, CancellationToken cancellationToken)
    {
        var batcher = new LengthBucketBatcher(job.ExampleLengths, settings.BatchSize);
        int stepsPerEpoch = batcher.BatchesPerEpoch;
        int totalSteps = checked(stepsPerEpoch * settings.Epochs);
        int stopStep = settings.StopAtScheduleFraction is double fraction ? Math.Clamp((int)Math.Ceiling(fraction * totalSteps), 1, totalSteps) : totalSteps;
        var schedule = new LearningRateSchedule(settings.LearningRate, totalSteps, settings.WarmupFraction, settings.Decay);
        var fingerprint = TrainingFingerprint.Create(job, settings);
        var run = new Run(job, settings, device, progress, log);
        using var optimizer = new TrainingOptimizer(job.TrainableParameters, settings.WeightDecay);
        using var stopping = new EarlyStopping(
            job.Validation?.HigherIsBetter ?? true,
            settings.EarlyStoppingPatience,
            monitorLoss: settings.EarlyStoppingMetric == EarlyStoppingMetric.ValidationLoss,
            settings.EarlyStoppingMinDelta,
            settings.EarlyStoppingMinEpochs);

        try
        {
            int step = 0;
            if (settings.CheckpointDirectory is string directory
                && TrainingCheckpoint.Resume(directory, totalSteps, fingerprint, optimizer, stopping) is int resumed)
            {
                step = resumed;
                run.Log(string.Create(CultureInfo.InvariantCulture, $"Resumed from the checkpoint at step {step} of {totalSteps} in '{directory}'."));
            }

            int startStep = step;
            var tracker = new ProgressTracker(settings.Epochs, totalSteps, startStep, job.Validation?.MetricName);
            bool stoppedEarly = stopping.ShouldStop && step < totalSteps;
            for (int epoch = step / stepsPerEpoch; epoch < settings.Epochs && !stoppedEarly && step < stopStep; epoch++)
            {
                var batches = batcher.EpochBatches(new Random(TrainingSeeds.ForEpoch(settings.Seed, epoch)), settings.PaddingMode);
                job.Model.train();
                tracker.StartEpoch();
                for (int index = step - (epoch * stepsPerEpoch); index < stepsPerEpoch && step < stopStep; index++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var timer = Stopwatch.StartNew();
                    double learningRate = schedule.At(step);
                    var (loss, norm) = RunStep(run, optimizer, batches[index], learningRate, step, epoch);
                    step++;
                    tracker.RecordStep(loss, norm, batches[index].Length, learningRate, timer.Elapsed);

                    bool epochEnd = index == stepsPerEpoch - 1;
                    double? metric = null;
                    if (epochEnd && job.Validation is { } validation)
                    {
                        (double value, double? validationLoss) = Validate(run, validation);
                        metric = value;
                        bool improved = stopping.Record(value, validationLoss, job.TrainableParameters);
                        stoppedEarly = stopping.ShouldStop && epoch < settings.Epochs - 1;
                        run.Log(DescribeValidation(validation, value, validationLoss, epoch, improved, stopping, stoppedEarly));
                        job.Model.train();
                    }

                    if (epochEnd || step % settings.ReportEverySteps == 0)
                    {
                        run.Report(tracker.Report(step, epoch, epochEnd, metric));
                    }

                    if (settings.CheckpointDirectory is string folder && (step % settings.CheckpointEverySteps == 0 || (step == stopStep && step < totalSteps)))
                    {
                        string written = TrainingCheckpoint.Write(folder, step, step / stepsPerEpoch, fingerprint, optimizer, stopping);
                        run.Log($"Wrote checkpoint '{written}'.");
                    }
                }
            }

            bool restored = settings.EarlyStoppingPatience is not null && stopping.RestoreBest(job.TrainableParameters);
            if (restored)
            {
                run.Log(string.Create(CultureInfo.InvariantCulture, $"Restored the trainable values of epoch {stopping.BestEpochIndex + 1}, the best on validation."));
            }

            return new TrainingResult(
                Steps: step,
                TotalSteps: totalSteps,
                ResumedFromStep: startStep,
                EpochsCompleted: step / stepsPerEpoch,
                MetricHistory: stopping.History.ToArray(),
                BestEpoch: stopping.BestEpochIndex + 1,
                StoppedEarly: stoppedEarly,
                RestoredBestEpoch: restored,
                FinalLoss: tracker.EpochLoss,
                Elapsed: tracker.Elapsed)
            {
                LossHistory = stopping.LossHistory.ToArray(),
            };
        }
        finally
        {
            optimizer.ClearGradients();
            job.Model.eval();
        }
    }

    // One optimizer step in its own dispose scope: every tensor it creates, the loss's included, is freed at its end.
    private static (double Loss, double? Norm) RunStep(Run run, TrainingOptimizer optimizer, int[] batch, double learningRate, int step, int epoch)
    {
        using var scope = NewDisposeScope();
        Reseed(run.Settings.Seed, step, run.Device);
        optimizer.SetLearningRate(learningRate);
        optimizer.ClearGradients();
        var loss = run.Job.ComputeLoss(batch, run.Device);
        double value = CheckLoss(loss, step, epoch, run.Settings);
        loss.backward();
        double? norm = null;
        if (run.Settings.ClipsGradients)
        {
            norm = optimizer.ClipGradients(run.Settings.MaxGradNorm!.Value, out var nonFinite);
            if (!double.IsFinite(norm.Value))
            {
                throw NonFinite("gradient norm", norm.Value, step, epoch, run.Settings, NonFiniteGradients(nonFinite));
            }
        }

        optimizer.Step();
        return (value, norm);
    }

    private static (double Metric, double? Loss) Validate(Run run, ValidationEvaluator validation)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        run.Job.Model.eval();
        double metric = validation.Evaluate();
        return (metric, validation.Loss?.Invoke());
    }

    private static void Reseed(int seed, int step, Device device)
    {
        long stepSeed = TrainingSeeds.ForStep(seed, step);
        using (manual_seed(stepSeed))
        {
        }

        // TorchSharp's manual_seed seeds only the CPU generator.
        if (device.type == DeviceType.CUDA)
        {
            cuda.manual_seed_all(stepSeed);
        }
    }

    private static double CheckLoss(Tensor loss, int step, int epoch, TrainingSettings settings)
    {
        if (loss is null || loss.numel() != 1)
        {
            throw new InvalidOperationException(
                $"{nameof(TrainingJob.ComputeLoss)} must return a scalar loss tensor, got {(loss is null ? "null" : $"shape [{string.Join(", ", loss.shape)}]")}; reduce it with mean().");
        }

        if (!loss.requires_grad)
        {
            throw new InvalidOperationException(
                $"The loss returned by {nameof(TrainingJob.ComputeLoss)} does not depend on any trainable parameter (it does not require gradients); " +
                "check that the model runs with the adapter enabled and outside no_grad().");
        }

        double value = loss.detach().to_type(ScalarType.Float64).item<double>();
        return double.IsFinite(value) ? value : throw NonFinite("loss", value, step, epoch, settings);
    }

    private static InvalidOperationException NonFinite(string what, double value, int step, int epoch, TrainingSettings settings, string? where = null)
    {
        string clipping = settings.ClipsGradients ? string.Empty : $"set `{nameof(TrainingSettings.MaxGradNorm)}` (for example 1.0) to clip gradients, ";
        return new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"The training {what} became {value} at step {step + 1} (epoch {epoch + 1}){where}; training stopped because the parameters would be corrupted. " +
            $"Lower `{nameof(TrainingSettings.LearningRate)}` (now {settings.LearningRate:G4}), {clipping}or check the training data for empty or extreme examples."));
    }

    // Names the parameters whose gradients are not finite (the first few), so the layer where it starts can be found.
    private static string NonFiniteGradients(IReadOnlyList<string> names)
    {
        const int Shown = 5;
        return names.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture,
            $" in the gradients of {names.Count} parameter(s): {string.Join(", ", names.Take(Shown))}{(names.Count > Shown ? ", …" : string.Empty)}");
    }

    private static string DescribeValidation(ValidationEvaluator validation, double metric, double? loss, int epoch, bool improved, EarlyStopping stopping, bool stoppedEarly)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"Epoch {epoch + 1}: validation {validation.MetricName} {metric:F4}");
        if (loss is double value)
        {
            line += string.Create(CultureInfo.InvariantCulture, $", loss {value:F4}");
        }

        string monitored = stopping.MonitorsLoss ? "loss" : validation.MetricName;
        line += improved
            ? $" (best {monitored} so far)."
            : stopping.BestEpochIndex is int best
                ? string.Create(CultureInfo.InvariantCulture, $" (best {monitored} {stopping.BestValue:F4} at epoch {best + 1}).")
                : string.Create(CultureInfo.InvariantCulture, $" (the {monitored} is monitored from epoch {stopping.MinEpochs}).");
        if (stoppedEarly)
        {
            line += string.Create(CultureInfo.InvariantCulture, $" Stopping early: no improvement for {stopping.Patience} epoch(s).");
        }

        return line;
    }

    /// <summary>The run's fixed inputs, passed to the helpers as one value.</summary>
    private sealed record Run(
        TrainingJob Job,
        TrainingSettings Settings,
        Device Device,
        IProgress<TrainingProgress>? Progress,
        Action<string>? LogLine)
    {
        internal void Log(string line) => LogLine?.Invoke(line);

        internal void Report(TrainingProgress report)
        {
            Progress?.Report(report);
            LogLine?.Invoke(report.ToString());
        }
    }
}
