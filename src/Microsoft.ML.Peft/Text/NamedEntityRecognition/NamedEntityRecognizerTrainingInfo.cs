// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft;

/// <summary>What happened while a named-entity recognizer was trained.</summary>
public sealed class NamedEntityRecognizerTrainingInfo : PeftTrainingInfo
{
    internal NamedEntityRecognizerTrainingInfo(TrainableParameterReport report, TrainingResult result)
        : base(report, result)
    {
    }

    /// <summary>Training sentences.</summary>
    public int TrainingSentences { get; init; }

    /// <summary>Windows the sentences were split into (more than the sentences when some are longer than the window).</summary>
    public int TrainingWindows { get; init; }

    /// <summary>Words longer than a whole window, cut to their first sub-tokens.</summary>
    public int TruncatedWords { get; init; }

    /// <summary>Mean masked-language-model loss of the last epoch of domain-adaptive pre-training; null when it was skipped.</summary>
    public double? DomainAdaptationLoss { get; init; }
}
