// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;

namespace Microsoft.ML.Peft.Training;

/// <summary>Accumulates step losses, gradient norms and timings, and turns them into <see cref="TrainingProgress"/> reports.</summary>
/// <remarks>Throughput and the remaining-time estimate count training steps only, so a slow validation does not distort them.</remarks>
internal sealed class ProgressTracker
{
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly int _totalEpochs;
    private readonly int _totalSteps;
    private readonly int _startStep;
    private readonly string? _metricName;
    private TimeSpan _trainingTime;
    private long _rows;
    private double _windowLoss;
    private double _windowNorm;
    private int _windowSteps;
    private int _windowNorms;
    private double _epochLoss;
    private int _epochSteps;
    private double _learningRate;

    /// <summary>Starts tracking a run that continues from <paramref name="startStep"/> (0 for a fresh run).</summary>
    internal ProgressTracker(int totalEpochs, int totalSteps, int startStep, string? metricName)
    {
        _totalEpochs = totalEpochs;
        _totalSteps = totalSteps;
        _startStep = startStep;
        _metricName = metricName;
    }

    /// <summary>Gets the wall time since tracking started.</summary>
    internal TimeSpan Elapsed => _wall.Elapsed;

    /// <summary>Gets the mean loss of the current epoch's steps (in this run); NaN before the first.</summary>
    internal double EpochLoss => _epochSteps == 0 ? double.NaN : _epochLoss / _epochSteps;

    /// <summary>Records one optimizer step.</summary>
    internal void RecordStep(double loss, double? gradientNorm, int rows, double learningRate, TimeSpan duration)
    {
        _windowLoss += loss;
        _windowSteps++;
        _epochLoss += loss;
        _epochSteps++;
        if (gradientNorm is double norm)
        {
            _windowNorm += norm;
            _windowNorms++;
        }

        _rows += rows;
        _learningRate = learningRate;
        _trainingTime += duration;
    }

    /// <summary>Starts a new epoch's loss mean.</summary>
    internal void StartEpoch()
    {
        _epochLoss = 0;
        _epochSteps = 0;
    }

    /// <summary>Builds a report after <paramref name="step"/> completed steps and starts a new reporting window.</summary>
    /// <param name="step">Completed steps, counting from the run's start.</param>
    /// <param name="epoch">The 0-based epoch the step belongs to.</param>
    /// <param name="isEpochEnd">True for the report that closes the epoch.</param>
    /// <param name="metric">The epoch's validation metric, on epoch-end reports with validation.</param>
    internal TrainingProgress Report(int step, int epoch, bool isEpochEnd, double? metric)
    {
        int stepsThisRun = step - _startStep;
        double seconds = _trainingTime.TotalSeconds;
        double secondsPerStep = stepsThisRun > 0 ? seconds / stepsThisRun : 0;
        var progress = new TrainingProgress
        {
            Epoch = epoch + 1,
            TotalEpochs = _totalEpochs,
            Step = step,
            TotalSteps = _totalSteps,
            Loss = _windowSteps == 0 ? double.NaN : _windowLoss / _windowSteps,
            GradientNorm = _windowNorms == 0 ? null : _windowNorm / _windowNorms,
            LearningRate = _learningRate,
            RowsPerSecond = seconds > 0 ? _rows / seconds : 0,
            Elapsed = _wall.Elapsed,
            EstimatedTimeRemaining = TimeSpan.FromSeconds(secondsPerStep * Math.Max(0, _totalSteps - step)),
            IsEpochEnd = isEpochEnd,
            ValidationMetric = metric,
            ValidationMetricName = metric is null ? null : _metricName,
        };

        _windowLoss = 0;
        _windowNorm = 0;
        _windowSteps = 0;
        _windowNorms = 0;
        return progress;
    }
}
