// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>What happened while a named-entity recognizer was trained.</summary>
public sealed class NamedEntityRecognizerTrainingInfo
{
    internal NamedEntityRecognizerTrainingInfo()
    {
    }

    /// <summary>Training sentences.</summary>
    public int TrainingSentences { get; init; }

    /// <summary>Windows the sentences were split into (more than the sentences when some are longer than the window).</summary>
    public int TrainingWindows { get; init; }

    /// <summary>Words longer than a whole window, cut to their first sub-tokens.</summary>
    public int TruncatedWords { get; init; }

    /// <summary>Parameters trained (adapter and head).</summary>
    public long TrainableParameters { get; init; }

    /// <summary>All parameters of the network.</summary>
    public long TotalParameters { get; init; }

    /// <summary>Optimizer steps run.</summary>
    public int Steps { get; init; }

    /// <summary>Epochs run.</summary>
    public int EpochsRun { get; init; }

    /// <summary>Validation word-level tag accuracy after each epoch; empty without a validation set.</summary>
    public IReadOnlyList<double> ValidationAccuracy { get; init; } = Array.Empty<double>();

    /// <summary>Mean masked-language-model loss of the last epoch of domain-adaptive pre-training; null when it was skipped.</summary>
    public double? DomainAdaptationLoss { get; init; }

    /// <summary>Wall-clock training time.</summary>
    public TimeSpan Elapsed { get; init; }
}
