// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

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
}
