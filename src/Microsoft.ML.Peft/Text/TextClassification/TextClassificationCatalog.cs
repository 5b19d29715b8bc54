// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>Text classification estimators of <see cref="PeftCatalog"/>.</summary>
public static class TextClassificationCatalog
{
    /// <summary>
    /// Creates a <see cref="LoraTextClassificationEstimator"/> that adapts <paramref name="backbone"/> with LoRA to classify text.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained encoder, e.g. <see cref="PretrainedModel.FromDirectory"/>.</param>
    /// <param name="labelColumnName">The label column: a key for a multiclass classifier, a Boolean for a binary one.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="secondTextColumnName">An optional second text column for sentence pairs.</param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="alpha">LoRA alpha; the update is scaled by alpha / rank.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per training step.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for LoRA's default, 1e-3.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    ///     .Append(mlContext.Peft().LoraTextClassifier(PretrainedModel.FromDirectory("all-MiniLM-L6-v2"), textColumnName: "Text"))
    ///     .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    /// </code>
    /// See samples/TextClassification for a complete program.
    /// </example>
    public static LoraTextClassificationEstimator LoraTextClassifier(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string labelColumnName = "Label",
        string textColumnName = "Text",
        string? secondTextColumnName = null,
        int rank = LoraTextClassifierOptions.Defaults.Rank,
        double alpha = LoraTextClassifierOptions.Defaults.Alpha,
        int epochs = LoraTextClassifierOptions.Defaults.Epochs,
        int batchSize = LoraTextClassifierOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var columns = new LoraTextClassifierOptions { LabelColumnName = labelColumnName, TextColumnName = textColumnName, SecondTextColumnName = secondTextColumnName };
        return new LoraTextClassificationEstimator(catalog.Context, CatalogArguments.WithLora(columns, backbone, rank, alpha, dropout: 0.1, epochs, batchSize, learningRate));
    }

    /// <summary>Creates a <see cref="LoraTextClassificationEstimator"/> from options, where <see cref="PeftTrainerOptions.Method"/> may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var estimator = mlContext.Peft().LoraTextClassifier(new LoraTextClassifierOptions
    /// {
    ///     Backbone = PretrainedModel.FromDirectory("all-MiniLM-L6-v2"),
    ///     Method = new LoraConfig { Rank = 16, Alpha = 32, UseDora = true },
    ///     Epochs = 2,
    /// });
    /// </code>
    /// </example>
    public static LoraTextClassificationEstimator LoraTextClassifier(this PeftCatalog catalog, LoraTextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LoraTextClassificationEstimator(catalog.Context, options);
    }
}
