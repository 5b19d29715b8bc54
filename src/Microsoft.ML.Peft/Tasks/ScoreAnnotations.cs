// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// ML.NET's names of the annotations its scorers attach to the columns they add (its AnnotationUtils, which holds them, is
/// internal), and the values a classifier's columns carry, so ML.NET's evaluators and tools recognise them.
/// </summary>
internal static class ScoreAnnotations
{
    internal const string ScoreColumnKind = "ScoreColumnKind";
    internal const string ScoreValueKind = "ScoreValueKind";
    internal const string SlotNames = "SlotNames";
    internal const string KeyValues = "KeyValues";
    internal const string IsNormalized = "IsNormalized";

    internal const string MulticlassKind = "MulticlassClassification";
    internal const string BinaryKind = "BinaryClassification";

    internal const string ScoreValue = "Score";
    internal const string ProbabilityValue = "Probability";
    internal const string PredictedLabelValue = "PredictedLabel";
}
