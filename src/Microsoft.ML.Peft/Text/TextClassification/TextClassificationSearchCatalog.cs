// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft;

/// <summary>Rank searches of the text classifier, on <see cref="PeftAutoCatalog"/> (<c>mlContext.Peft().Auto()</c>).</summary>
public static class TextClassificationSearchCatalog
{
    /// <summary>
    /// Creates a rank search of the text classifier with the default space (LoRA at ranks 4, 8 and 16, alpha 2r, three learning
    /// rates from 3e-4 to 3e-3), successive halving, and macro-F1 on validation.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft().Auto()</c>.</param>
    /// <param name="backbone">The pretrained encoder.</param>
    /// <param name="labelColumnName">The label column: a key or a Boolean.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="maxExperimentTimeInSeconds">The time budget of the search, in seconds.</param>
    /// <returns>The experiment; <see cref="PeftExperiment.Execute(IDataView, IDataView)"/> runs it.</returns>
    /// <example>
    /// <code language="csharp">
    /// var experiment = mlContext.Peft().Auto().CreateTextClassificationExperiment(backbone, "Label", "Text", maxExperimentTimeInSeconds: 600);
    /// var result = experiment.Execute(train, validation);
    /// Console.WriteLine(result.FormatLeaderboard());
    /// mlContext.Peft().Model.Save(result.BestModel, train.Schema, "best.zip");
    /// </code>
    /// </example>
    public static PeftExperiment CreateTextClassificationExperiment(
        this PeftAutoCatalog catalog,
        PretrainedModel backbone,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        int maxExperimentTimeInSeconds = 900)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExperimentTimeInSeconds);
        var options = new LoraTextClassifierOptions { Backbone = backbone, LabelColumnName = labelColumnName, TextColumnName = textColumnName };
        return catalog.CreateTextClassificationExperiment(options, new PeftExperimentOptions { MaxExperimentTime = TimeSpan.FromSeconds(maxExperimentTimeInSeconds) });
    }

    /// <summary>
    /// Creates a rank search of the text classifier: every trial is <paramref name="taskOptions"/> with the trial's method, rank,
    /// alpha, learning rate, targets and dropout.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft().Auto()</c>.</param>
    /// <param name="taskOptions">The classifier's options (backbone, columns, epochs, batch size); its method and learning rate are the search's.</param>
    /// <param name="experimentOptions">The space, strategy, metric and budgets.</param>
    /// <returns>The experiment.</returns>
    /// <example>
    /// <code language="csharp">
    /// var experiment = mlContext.Peft().Auto().CreateTextClassificationExperiment(
    ///     new LoraTextClassifierOptions { Backbone = backbone, Epochs = 2 },
    ///     new PeftExperimentOptions { Strategy = PeftSearchStrategy.SuccessiveHalving, Metric = PeftSearchMetric.MacroF1, MaxExperimentTime = TimeSpan.FromMinutes(15) });
    /// </code>
    /// See samples/RankSearch for a complete program.
    /// </example>
    public static PeftExperiment CreateTextClassificationExperiment(
        this PeftAutoCatalog catalog, LoraTextClassifierOptions taskOptions, PeftExperimentOptions experimentOptions)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(taskOptions);
        ArgumentNullException.ThrowIfNull(experimentOptions);
        return new PeftExperiment(catalog.Context, new TextClassificationSearchTask(taskOptions), experimentOptions);
    }
}
