// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>An <see cref="IProgress{T}"/> that records reports synchronously (the BCL's Progress posts them to the thread pool).</summary>
internal sealed class RecordingProgress : IProgress<TrainingProgress>
{
    internal List<TrainingProgress> Reports { get; } = new();

    internal Action<TrainingProgress>? OnReport { get; init; }

    public void Report(TrainingProgress value)
    {
        Reports.Add(value);
        OnReport?.Invoke(value);
    }
}
