// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Persistence;

namespace Microsoft.ML.Peft;

/// <summary>
/// Entry point of the PEFT estimators and of pipeline persistence, reached with <c>mlContext.Peft()</c>. Task estimators are
/// extension methods on this catalog (e.g. <c>mlContext.Peft().LoraTextClassifier(options)</c> in <c>TextClassificationCatalog</c>).
/// </summary>
public sealed class PeftCatalog
{
    internal PeftCatalog(MLContext context)
    {
        Context = context;
        Model = new PeftModelOperationsCatalog(context);
    }

    /// <summary>Saving and loading whole pipelines that contain PEFT transformers.</summary>
    public PeftModelOperationsCatalog Model { get; }

    /// <summary>Rank searches over a task estimator's PEFT options (method, rank, alpha, learning rate, targets, dropout).</summary>
    /// <returns>The catalog whose task methods create experiments, such as <c>CreateTextClassificationExperiment</c>.</returns>
    public PeftAutoCatalog Auto() => new(Context);

    internal MLContext Context { get; }
}
