// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>
/// Rank searches, reached with <c>mlContext.Peft().Auto()</c> as ML.NET AutoML's experiments are with <c>mlContext.Auto()</c>.
/// Each task adds its experiment as an extension method, such as <c>CreateTextClassificationExperiment</c>.
/// </summary>
public sealed class PeftAutoCatalog
{
    internal PeftAutoCatalog(MLContext context) => Context = context;

    internal MLContext Context { get; }
}
