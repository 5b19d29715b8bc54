// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>What decides the best epoch, and when patience runs out, while training with a validation set.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>
    /// The training objective (cross-entropy) on the validation set, lower is better: the default, as in Hugging Face's
    /// Trainer, because it moves every epoch even while the predicted classes do not, which accuracy on a small set cannot.
    /// </summary>
    ValidationLoss = 0,

    /// <summary>The task's own metric on the validation set: accuracy for classifiers, word accuracy for the tagger.</summary>
    TaskMetric = 1,
}
