// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>What happened while a text classifier was trained.</summary>
public sealed class TextClassifierTrainingInfo
{
    internal TextClassifierTrainingInfo()
    {
    }

    /// <summary>Rows of training data.</summary>
    public int TrainingRows { get; init; }

    /// <summary>Training rows cut to the maximum sequence length (their ends were not seen).</summary>
    public int TruncatedTrainingRows { get; init; }

    /// <summary>Parameters trained (adapter and head).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>All parameters of the network.</summary>
    public long TotalParameters { get; init; }

    /// <summary>Optimizer steps run.</summary>
    public int Steps { get; init; }

    /// <summary>Epochs run (fewer than asked for when training stopped early).</summary>
    public int EpochsRun { get; init; }

    /// <summary>Validation accuracy after each epoch; empty without a validation set.</summary>
    public IReadOnlyList<double> ValidationAccuracy { get; init; } = Array.Empty<double>();

    /// <summary>The epoch (1-based) whose weights were kept, when early stopping restored the best one.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Whether early stopping ended training.</summary>
    public bool StoppedEarly { get; init; }

    /// <summary>Wall-clock training time.</summary>
    public TimeSpan Elapsed { get; init; }
}
