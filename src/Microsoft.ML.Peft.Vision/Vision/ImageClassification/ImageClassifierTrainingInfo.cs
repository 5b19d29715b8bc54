// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>What training an <see cref="ImageClassificationTransformer"/> did: the shared figures and the image classifier's own.</summary>
public sealed class ImageClassifierTrainingInfo : PeftTrainingInfo
{
    internal ImageClassifierTrainingInfo(TrainableParameterReport report, TrainingResult result)
        : base(report, result)
    {
    }

    /// <summary>Images trained on.</summary>
    public int TrainingRows { get; init; }

    /// <summary>The epoch whose adapter was kept, when early stopping restored the best one; otherwise null.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Whether training stopped before the last epoch because the validation accuracy stopped improving.</summary>
    public bool StoppedEarly { get; init; }
}
