// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft;

/// <summary>Rank searches of the named-entity recognizer, on <see cref="PeftAutoCatalog"/> (<c>mlContext.Peft().Auto()</c>).</summary>
public static class NamedEntitySearchCatalog
{
    /// <summary>
    /// Creates a rank search of the named-entity recognizer with the default space (LoRA at ranks 4, 8 and 16, alpha 2r, three
    /// learning rates from 3e-4 to 3e-3), successive halving, and entity F1 on validation.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft().Auto()</c>.</param>
    /// <param name="backbone">The pretrained encoder.</param>
    /// <param name="tokensColumnName">The tokens column (vector of text).</param>
    /// <param name="tagsColumnName">The tags column (vector of keys with the tag names).</param>
    /// <param name="maxExperimentTimeInSeconds">The time budget of the search, in seconds.</param>
    /// <returns>The experiment; <see cref="PeftExperiment.Execute(IDataView, IDataView)"/> runs it.</returns>
    /// <example>
    /// <code language="csharp">
    /// var experiment = mlContext.Peft().Auto().CreateNamedEntityExperiment(backbone, maxExperimentTimeInSeconds: 1800);
    /// var result = experiment.Execute(train, validation, mlContext.Transforms.Conversion.MapValueToKey("Tags"));
    /// </code>
    /// </example>
    public static PeftExperiment CreateNamedEntityExperiment(
        this PeftAutoCatalog catalog,
        PretrainedModel backbone,
        string tokensColumnName = "Tokens",
        string tagsColumnName = "Tags",
        int maxExperimentTimeInSeconds = 900)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExperimentTimeInSeconds);
        var options = new LoraNamedEntityRecognizerOptions { Backbone = backbone, TokensColumnName = tokensColumnName, TagsColumnName = tagsColumnName };
        return catalog.CreateNamedEntityExperiment(options, new PeftExperimentOptions { MaxExperimentTime = TimeSpan.FromSeconds(maxExperimentTimeInSeconds) });
    }

    /// <summary>
    /// Creates a rank search of the named-entity recognizer: every trial is <paramref name="taskOptions"/> with the trial's method,
    /// rank, alpha, learning rate, targets and dropout. A <c>DomainAdaptationSet</c> in the options is pre-trained again by every
    /// trial, as each trial starts its own adapter.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft().Auto()</c>.</param>
    /// <param name="taskOptions">The recognizer's options (backbone, columns, epochs, batch size); its method and learning rate are the search's.</param>
    /// <param name="experimentOptions">The space, strategy, metric and budgets.</param>
    /// <returns>The experiment.</returns>
    public static PeftExperiment CreateNamedEntityExperiment(
        this PeftAutoCatalog catalog, LoraNamedEntityRecognizerOptions taskOptions, PeftExperimentOptions experimentOptions)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(taskOptions);
        ArgumentNullException.ThrowIfNull(experimentOptions);
        return new PeftExperiment(catalog.Context, new NamedEntitySearchTask(taskOptions), experimentOptions);
    }
}
