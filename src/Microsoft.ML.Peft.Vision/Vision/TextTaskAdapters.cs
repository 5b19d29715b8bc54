// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Vision;

/// <summary>
/// Where adapters saved for a text task belong, by PEFT task type. PEFT has no task type for the vision tasks (its examples
/// leave <c>task_type</c> unset), so a vision estimator asked to continue a SEQ_CLS or TOKEN_CLS adapter refuses it and
/// names the catalog method that loads it.
/// </summary>
internal static class TextTaskAdapters
{
    internal static IReadOnlyDictionary<string, string> Loaders { get; } = new Dictionary<string, string>
    {
        ["SEQ_CLS"] = "mlContext.Peft().TextClassifierFromAdapter",
        ["TOKEN_CLS"] = "mlContext.Peft().NamedEntityRecognizerFromAdapter",
    };
}
