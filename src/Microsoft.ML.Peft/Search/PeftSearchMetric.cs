// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>The validation metric a rank search maximizes; each task produces some of them.</summary>
public enum PeftSearchMetric
{
    /// <summary>The fraction of correctly predicted rows (classifiers): ML.NET's <c>Accuracy</c> / <c>MicroAccuracy</c>.</summary>
    Accuracy,

    /// <summary>The mean over classes of each class's F1 (classifiers); with a Boolean label, over the two classes.</summary>
    MacroF1,

    /// <summary>The area under the ROC curve (binary classifiers, that is a Boolean label): ML.NET's <c>AreaUnderRocCurve</c>.</summary>
    AreaUnderRocCurve,

    /// <summary>seqeval's micro-averaged entity F1 (named-entity recognition): <c>EvaluateNamedEntities(...).MicroF1</c>.</summary>
    EntityF1,
}
