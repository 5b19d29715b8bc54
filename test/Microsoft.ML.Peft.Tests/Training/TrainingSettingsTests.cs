// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingSettingsTests
{
    public static TheoryData<string, string> OutOfRange => new()
    {
        { nameof(TrainingSettings.Epochs), "`Epochs` must be positive, got 0." },
        { nameof(TrainingSettings.BatchSize), "`BatchSize` must be positive, got 0." },
        { nameof(TrainingSettings.LearningRate), "`LearningRate` must be a positive finite number, got -0.001." },
        { nameof(TrainingSettings.WeightDecay), "`WeightDecay` must be a non-negative finite number, got NaN." },
        { nameof(TrainingSettings.WarmupFraction), "`WarmupFraction` must be within [0, 1], got 1.5." },
        { nameof(TrainingSettings.MaxGradNorm), "`MaxGradNorm` must be a non-negative finite number, or 0 or null to turn clipping off, got -1." },
        { nameof(TrainingSettings.EarlyStoppingPatience), "`EarlyStoppingPatience` must be positive, or null to turn early stopping off, got 0." },
        { nameof(TrainingSettings.CheckpointDirectory), "`CheckpointDirectory` must be a folder path, or null to write no checkpoints, got ' '." },
        { nameof(TrainingSettings.CheckpointEverySteps), "`CheckpointEverySteps` must be positive, got 0." },
        { nameof(TrainingSettings.ReportEverySteps), "`ReportEverySteps` must be positive, got -2." },
        { nameof(TrainingSettings.PaddingMode), "`PaddingMode` must be one of LengthBucketed, PadToLongest, PadToMax, got 7." },
    };

    [Fact]
    public void Validate_Defaults_Pass()
    {
        var settings = new TrainingSettings();
        settings.Validate();
        Assert.Equal(0.01, settings.WeightDecay);
        Assert.Equal(0.06, settings.WarmupFraction);
        Assert.Equal(1.0, settings.MaxGradNorm);
        Assert.True(settings.ClipsGradients);
        Assert.Null(settings.EarlyStoppingPatience);
        Assert.Null(settings.CheckpointDirectory);
        Assert.Equal(PaddingMode.LengthBucketed, settings.PaddingMode);
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Validate_OutOfRange_ThrowsNamingTheOptionAndValue(string option, string message)
    {
        var settings = option switch
        {
            nameof(TrainingSettings.Epochs) => new TrainingSettings { Epochs = 0 },
            nameof(TrainingSettings.BatchSize) => new TrainingSettings { BatchSize = 0 },
            nameof(TrainingSettings.LearningRate) => new TrainingSettings { LearningRate = -0.001 },
            nameof(TrainingSettings.WeightDecay) => new TrainingSettings { WeightDecay = double.NaN },
            nameof(TrainingSettings.WarmupFraction) => new TrainingSettings { WarmupFraction = 1.5 },
            nameof(TrainingSettings.MaxGradNorm) => new TrainingSettings { MaxGradNorm = -1 },
            nameof(TrainingSettings.EarlyStoppingPatience) => new TrainingSettings { EarlyStoppingPatience = 0 },
            nameof(TrainingSettings.CheckpointDirectory) => new TrainingSettings { CheckpointDirectory = " " },
            nameof(TrainingSettings.CheckpointEverySteps) => new TrainingSettings { CheckpointEverySteps = 0 },
            nameof(TrainingSettings.ReportEverySteps) => new TrainingSettings { ReportEverySteps = -2 },
            nameof(TrainingSettings.PaddingMode) => new TrainingSettings { PaddingMode = (PaddingMode)7 },
            _ => throw new ArgumentOutOfRangeException(nameof(option)),
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(option, settings.Validate);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(null)]
    public void ClipsGradients_ZeroOrNullMaxGradNorm_IsOff(double? maxGradNorm)
    {
        var settings = new TrainingSettings { MaxGradNorm = maxGradNorm };
        settings.Validate();
        Assert.False(settings.ClipsGradients);
    }
}
