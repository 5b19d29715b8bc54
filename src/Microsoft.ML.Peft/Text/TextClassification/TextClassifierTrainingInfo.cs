// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>What happened while a text classifier was trained.</summary>
public sealed class TextClassifierTrainingInfo : PeftTrainingInfo
{
    internal TextClassifierTrainingInfo(TrainableParameterReport report, TrainingResult result)
        : base(report, result)
    {
    }

    /// <summary>Rows of training data.</summary>
    public int TrainingRows { get; init; }

    /// <summary>Training rows cut to the maximum sequence length (their ends were not seen).</summary>
    public int TruncatedTrainingRows { get; init; }

    /// <summary>The epoch (1-based) whose weights were kept, when early stopping restored the best one.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Whether early stopping ended training.</summary>
    public bool StoppedEarly { get; init; }
}
