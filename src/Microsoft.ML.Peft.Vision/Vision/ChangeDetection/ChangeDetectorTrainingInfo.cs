// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>
/// What training a <see cref="ChangeDetectionTransformer"/> did: the shared figures (with a validation set,
/// <see cref="PeftTrainingInfo.ValidationAccuracy"/> holds the change class's intersection over union per epoch) and the
/// change detector's own.
/// </summary>
public sealed class ChangeDetectorTrainingInfo : PeftTrainingInfo
{
    internal ChangeDetectorTrainingInfo(TrainableParameterReport report, TrainingResult result)
        : base(report, result)
    {
    }

    /// <summary>Image pairs trained on.</summary>
    public int TrainingPairs { get; init; }

    /// <summary>The fraction of the training masks' pixels that are change, the balance the loss had to learn against.</summary>
    public double ChangeFraction { get; init; }

    /// <summary>The epoch whose adapter was kept, when early stopping restored the best one; otherwise null.</summary>
    public int? BestEpoch { get; init; }

    /// <summary>Whether training stopped before the last epoch because the validation metric stopped improving.</summary>
    public bool StoppedEarly { get; init; }
}
