// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Linear warmup from 0 to the peak rate, then a linear or cosine decay to 0 at the last step: Hugging Face's
/// <c>get_linear_schedule_with_warmup</c> and <c>get_cosine_schedule_with_warmup</c>, step for step.
/// </summary>
/// <remarks>
/// The rate used by optimizer step <c>s</c> (counting from 0) is <c>peak × s / W</c> while <c>s &lt; W</c>, then
/// <c>peak × (1 − p)</c> (linear) or <c>peak × ½(1 + cos(π·p))</c> (cosine) with <c>p = (s − W) / (T − W)</c>, with
/// <c>W = ceil(T × warmupFraction)</c> warmup steps out of <c>T</c>. As in
/// Hugging Face, step 0 therefore runs at rate 0 whenever there is warmup. The rate is a pure function of the step,
/// so a resumed run needs no scheduler state.
/// </remarks>
internal sealed class LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    internal LearningRateSchedule(double peakLearningRate, int totalSteps, double warmupFraction, LearningRateDecay decay = LearningRateDecay.Linear)
    {
        if (!Enum.IsDefined(decay))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, $"Unknown {nameof(LearningRateDecay)} value {(int)decay}.");
        }

        Decay = decay;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmupFraction, 1.0);
        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = (int)Math.Ceiling(totalSteps * warmupFraction);
    }

    /// <summary>Gets how the rate decays after warmup.</summary>
    internal LearningRateDecay Decay { get; }

    /// <summary>Gets the rate at the end of warmup.</summary>
    internal double PeakLearningRate { get; }

    /// <summary>Gets the number of optimizer steps of the run.</summary>
    internal int TotalSteps { get; }

    /// <summary>Gets the number of warmup steps, <c>ceil(TotalSteps × warmupFraction)</c>.</summary>
    internal int WarmupSteps { get; }

    /// <summary>Gets the rate for optimizer step <paramref name="step"/>, counting from 0 (<see cref="TotalSteps"/> gives 0).</summary>
    internal double At(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * step / WarmupSteps;
        }

        double remaining = (double)Math.Max(0, TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps);
        return Decay == LearningRateDecay.Cosine
            ? PeakLearningRate * 0.5 * (1 + Math.Cos(Math.PI * (1 - remaining)))
            : PeakLearningRate * remaining;
    }
}
