// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void At_KeyPoints_MatchHuggingFaceLinearScheduleWithWarmup()
    {
        // get_linear_schedule_with_warmup(num_warmup_steps=ceil(0.06 * 100) = 6, num_training_steps=100), lr = 1e-3.
        var schedule = new LearningRateSchedule(1e-3, totalSteps: 100, warmupFraction: 0.06);

        Assert.Equal(6, schedule.WarmupSteps);
        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(1e-3 * 3 / 6, schedule.At(3), 15);
        Assert.Equal(1e-3, schedule.At(6), 15);
        Assert.Equal(1e-3 * 47 / 94, schedule.At(53), 15);
        Assert.Equal(1e-3 / 94, schedule.At(99), 15);
        Assert.Equal(0.0, schedule.At(100));
        Assert.Equal(0.0, schedule.At(150));
    }

    [Fact]
    public void At_NoWarmup_StartsAtPeakAndDecaysLinearly()
    {
        var schedule = new LearningRateSchedule(0.5, totalSteps: 4, warmupFraction: 0);

        Assert.Equal(new[] { 0.5, 0.375, 0.25, 0.125, 0.0 }, Enumerable.Range(0, 5).Select(schedule.At));
    }

    [Fact]
    public void At_AllWarmup_RisesToPeakAtTheEnd()
    {
        var schedule = new LearningRateSchedule(1.0, totalSteps: 4, warmupFraction: 1);

        Assert.Equal(new[] { 0.0, 0.25, 0.5, 0.75, 0.0 }, Enumerable.Range(0, 5).Select(schedule.At));
    }

    [Fact]
    public void At_Cosine_FollowsHuggingFacesCosineScheduleWithWarmup()
    {
        var schedule = new LearningRateSchedule(2.0, totalSteps: 10, warmupFraction: 0.2, LearningRateDecay.Cosine);

        // get_cosine_schedule_with_warmup(num_warmup_steps=2, num_training_steps=10): progress p = (s − 2) / 8, rate 2·½(1 + cos(π·p)).
        Assert.Equal(1.0, schedule.At(1), 15);
        Assert.Equal(2.0, schedule.At(2), 15);
        Assert.Equal(1 + Math.Cos(Math.PI / 4), schedule.At(4), 12);
        Assert.Equal(1.0, schedule.At(6), 12);
        Assert.Equal(1 + Math.Cos(Math.PI * 7 / 8), schedule.At(9), 12);
        Assert.Equal(0.0, schedule.At(10), 12);
        Assert.Equal(0.0, schedule.At(12), 12);
    }

    [Fact]
    public void Constructor_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>("peakLearningRate", () => new LearningRateSchedule(0, 10, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>("totalSteps", () => new LearningRateSchedule(1, 0, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>("warmupFraction", () => new LearningRateSchedule(1, 10, 1.1));
    }
}
