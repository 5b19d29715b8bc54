// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft;

public static partial class NamedEntityRecognitionCatalog
{
    /// <summary>Creates a <see cref="LoraNamedEntityRecognitionEstimator"/> that adapts <paramref name="backbone"/> with LoRA to tag entities.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained encoder.</param>
    /// <param name="tokensColumnName">The tokens column (vector of text).</param>
    /// <param name="tagsColumnName">The tags column (vector of keys, one per token).</param>
    /// <param name="textColumnName">
    /// A raw text column to tag at prediction, with entity spans as output (see <see cref="LoraNamedEntityRecognizerOptions.TextColumnName"/>);
    /// null tags the tokens column only.
    /// </param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="alpha">LoRA alpha.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Windows per training step.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for LoRA's default, 1e-3.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Tags")
    ///     .Append(mlContext.Peft().LoraNamedEntityRecognizer(PretrainedModel.FromDirectory("PubMedBERT")))
    ///     .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedTags"));
    /// </code>
    /// </example>
    public static LoraNamedEntityRecognitionEstimator LoraNamedEntityRecognizer(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string tokensColumnName = "Tokens",
        string tagsColumnName = "Tags",
        string? textColumnName = null,
        int rank = LoraNamedEntityRecognizerOptions.Defaults.Rank,
        double alpha = LoraNamedEntityRecognizerOptions.Defaults.Alpha,
        int epochs = LoraNamedEntityRecognizerOptions.Defaults.Epochs,
        int batchSize = LoraNamedEntityRecognizerOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var columns = new LoraNamedEntityRecognizerOptions { TokensColumnName = tokensColumnName, TagsColumnName = tagsColumnName, TextColumnName = textColumnName };
        return new LoraNamedEntityRecognitionEstimator(catalog.Context, CatalogArguments.WithLora(columns, backbone, rank, alpha, dropout: 0.05, epochs, batchSize, learningRate));
    }

    /// <summary>Creates a <see cref="LoraNamedEntityRecognitionEstimator"/> from options, where the method may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static LoraNamedEntityRecognitionEstimator LoraNamedEntityRecognizer(this PeftCatalog catalog, LoraNamedEntityRecognizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new LoraNamedEntityRecognitionEstimator(catalog.Context, options);
    }

    /// <summary>
    /// Creates a <see cref="LoraNamedEntityRecognitionTransformer"/> from <paramref name="backbone"/> and a saved PEFT
    /// token-classification adapter, e.g. one trained in Python with <c>task_type="TOKEN_CLS"</c> and saved with
    /// <c>save_pretrained</c>, ready to tag without training. The number of tags is the rows of the adapter's head.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained encoder the adapter was trained on (its module names and shapes must fit the adapter).</param>
    /// <param name="adapterDirectory">The folder with <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <param name="tagNames">
    /// The tags in the head's order (e.g. <c>O</c>, <c>B-PER</c>, <c>I-PER</c>), carried onto the predicted tags and needed to
    /// find entity spans; null takes the backbone config's <c>id2label</c> when it names exactly the head's tags.
    /// </param>
    /// <param name="tokensColumnName">The tokens column (vector of text).</param>
    /// <param name="textColumnName">A raw text column to tag, with entity spans as output; needs tag names. Null tags the tokens column only.</param>
    /// <param name="predictedTagsColumnName">The output column of predicted tags.</param>
    /// <returns>The transformer; it owns the network, so dispose it when done.</returns>
    /// <exception cref="DirectoryNotFoundException">The adapter folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file of the adapter is missing.</exception>
    /// <exception cref="ArgumentException">The adapter is not a token classifier's (e.g. SEQ_CLS), or the tag names do not match its tags.</exception>
    /// <exception cref="InvalidDataException">The adapter has no classification head, or its keys or shapes do not fit the backbone.</exception>
    /// <exception cref="NotSupportedException">The adapter's method or one of its options is not implemented here.</exception>
    public static LoraNamedEntityRecognitionTransformer NamedEntityRecognizerFromAdapter(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string adapterDirectory,
        IEnumerable<string>? tagNames = null,
        string tokensColumnName = "Tokens",
        string? textColumnName = null,
        string predictedTagsColumnName = "PredictedTags")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        TrainerOptionsValidator.RequireColumnNames((nameof(tokensColumnName), tokensColumnName), (nameof(predictedTagsColumnName), predictedTagsColumnName));
        if (textColumnName is not null)
        {
            TrainerOptionsValidator.RequireColumnNames((nameof(textColumnName), textColumnName));
        }

        var columns = new NamedEntityColumns(tokensColumnName, predictedTagsColumnName, textColumnName);
        return NamedEntityAdapterLoader.Load(catalog.Context, backbone, adapterDirectory, columns, tagNames, new LoraNamedEntityRecognizerOptions().PredictionBatchSize);
    }
}
