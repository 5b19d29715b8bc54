// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft;

namespace NamedEntityRecognition;

/// <summary>Shows training progress on one console line (step, loss, rows per second, time left) and each epoch's result on its own line.</summary>
internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        if (value.IsEpochEnd)
        {
            Console.WriteLine($"\r  epoch {value.Epoch}/{value.TotalEpochs} done: loss {value.Loss:F4}{(value.ValidationMetric is { } metric ? $", validation {value.ValidationMetricName} {metric:P2}" : string.Empty)}".PadRight(100));
            return;
        }

        Console.Write($"\r  epoch {value.Epoch}/{value.TotalEpochs}  step {value.Step}/{value.TotalSteps}  loss {value.Loss:F4}  {value.RowsPerSecond:F0} rows/s  {value.EstimatedTimeRemaining:mm\\:ss} left   ");
    }
}
