// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft;
using Spectre.Console;

namespace Samples.Shared;

/// <summary>Shows training as a Spectre.Console progress bar over all optimizer steps, with loss and speed in its description.</summary>
internal sealed class SpectreTrainingProgress : IProgress<TrainingProgress>
{
    private readonly ProgressTask _task;

    internal SpectreTrainingProgress(ProgressTask task) => _task = task;

    public void Report(TrainingProgress value)
    {
        _task.MaxValue = value.TotalSteps;
        _task.Value = value.Step;
        _task.Description = value.IsEpochEnd
            ? $"epoch {value.Epoch}/{value.TotalEpochs} done, loss {value.Loss:F3}"
            : $"epoch {value.Epoch}/{value.TotalEpochs}, loss {value.Loss:F3}, {value.RowsPerSecond:F0} images/s";
        if (value.IsEpochEnd)
        {
            AnsiConsole.MarkupLine($"  epoch {value.Epoch}/{value.TotalEpochs}: loss {value.Loss:F4}, {value.Elapsed:mm\\:ss} so far");
        }
    }
}
