// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>The text embedding estimator of <see cref="PeftCatalog"/>.</summary>
public static class TextEmbeddingCatalog
{
    /// <summary>
    /// Creates a <see cref="TextEmbeddingEstimator"/> that embeds <paramref name="inputColumnName"/> with <paramref name="backbone"/>
    /// into <paramref name="outputColumnName"/>, a vector of <see cref="float"/> of the encoder's hidden size.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained text encoder, e.g. all-MiniLM-L6-v2 from a folder or from ONNX.</param>
    /// <param name="outputColumnName">The added vector column.</param>
    /// <param name="inputColumnName">The text column.</param>
    /// <param name="pooling">Mean over the tokens (sentence-transformers' default) or the first token's state.</param>
    /// <param name="normalize">Scale each vector to unit length, so a dot product is the cosine similarity.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Peft().TextEmbedding(PretrainedModel.FromDirectory("all-MiniLM-L6-v2"), "Features")
    ///     .Append(mlContext.Transforms.Conversion.MapValueToKey("Label"))
    ///     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy());
    /// </code>
    /// </example>
    public static TextEmbeddingEstimator TextEmbedding(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string outputColumnName = "Embedding",
        string inputColumnName = "Text",
        TextEmbeddingPooling pooling = TextEmbeddingPooling.Mean,
        bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new TextEmbeddingEstimator(catalog.Context, new TextEmbeddingOptions
        {
            Backbone = backbone,
            OutputColumnName = outputColumnName,
            InputColumnName = inputColumnName,
            Pooling = pooling,
            Normalize = normalize,
        });
    }

    /// <summary>Creates a <see cref="TextEmbeddingEstimator"/> from options, e.g. with an adapter on the encoder.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="TextEmbeddingOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static TextEmbeddingEstimator TextEmbedding(this PeftCatalog catalog, TextEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new TextEmbeddingEstimator(catalog.Context, options);
    }
}
