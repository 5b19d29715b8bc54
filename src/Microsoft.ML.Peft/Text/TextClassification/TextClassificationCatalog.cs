// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextClassification;

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

    /// <summary>
    /// Creates a <see cref="LoraTextClassificationTransformer"/> from <paramref name="backbone"/> and a saved PEFT sequence-classification
    /// adapter, e.g. one trained in Python with <c>task_type="SEQ_CLS"</c> and saved with <c>save_pretrained</c>, ready to predict
    /// without training. The number of classes is the rows of the adapter's classification head.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained encoder the adapter was trained on (its module names and shapes must fit the adapter).</param>
    /// <param name="adapterDirectory">The folder with <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <param name="textColumnName">The text column.</param>
    /// <param name="secondTextColumnName">An optional second text column for sentence pairs.</param>
    /// <param name="labelNames">
    /// The class names in the head's order, carried as key values onto <c>PredictedLabel</c> and <c>Score</c>'s slot names; null
    /// takes the backbone config's <c>id2label</c> when it names exactly the head's classes, else the classes have no names.
    /// </param>
    /// <param name="binary">For a two-class head: add a binary classifier's <c>Score</c>, <c>Probability</c> and Boolean
    /// <c>PredictedLabel</c> (class 1 is true), as <c>BinaryClassification.Evaluate</c> reads them, instead of the multiclass columns.</param>
    /// <returns>The transformer; it owns the network, so dispose it when done.</returns>
    /// <exception cref="DirectoryNotFoundException">The adapter folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the adapter is missing.</exception>
    /// <exception cref="ArgumentException">The adapter is not a sequence classifier's (e.g. TOKEN_CLS), or the label names do not match its classes.</exception>
    /// <exception cref="InvalidDataException">The adapter has no classification head, or its keys or shapes do not fit the backbone.</exception>
    /// <exception cref="NotSupportedException">The adapter's method or one of its options is not implemented here.</exception>
    /// <example>
    /// <code language="csharp">
    /// using var classifier = mlContext.Peft().TextClassifierFromAdapter(
    ///     PretrainedModel.FromDirectory("all-MiniLM-L6-v2"), "my-python-adapter", labelNames: new[] { "negative", "positive" });
    /// var scored = classifier.Transform(data);
    /// </code>
    /// </example>
    public static LoraTextClassificationTransformer TextClassifierFromAdapter(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string adapterDirectory,
        string textColumnName = "Text",
        string? secondTextColumnName = null,
        IEnumerable<string>? labelNames = null,
        bool binary = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        TrainerOptionsValidator.RequireColumnNames((nameof(textColumnName), textColumnName));
        if (secondTextColumnName is not null)
        {
            TrainerOptionsValidator.RequireColumnNames((nameof(secondTextColumnName), secondTextColumnName));
        }

        var columns = new TextClassifierColumns(textColumnName, secondTextColumnName, ClassifierOutputColumns.Default);
        return TextClassifierAdapterLoader.Load(catalog.Context, backbone, adapterDirectory, columns, labelNames, binary, new LoraTextClassifierOptions().PredictionBatchSize);
    }
}
