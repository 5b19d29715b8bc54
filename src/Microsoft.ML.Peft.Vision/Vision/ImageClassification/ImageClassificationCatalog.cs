// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft;

/// <summary>The image classifier on <c>mlContext.Peft()</c>.</summary>
public static class ImageClassificationCatalog
{
    /// <summary>Creates an <see cref="ImageClassificationEstimator"/> that trains a LoRA adapter and a new head on <paramref name="backbone"/>.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained vision backbone (a ViT or CLIP folder, or ResNet-18).</param>
    /// <param name="labelColumnName">The label column: a key for a multiclass classifier, a Boolean for a binary one.</param>
    /// <param name="imageColumnName">The image column: an Image (<c>LoadImages</c>), encoded image bytes, or an image file path.</param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="alpha">LoRA alpha (the update is scaled by alpha / rank).</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Images per training step.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for LoRA's default, 1e-3.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
    ///     .Append(mlContext.Transforms.LoadImages("Image", imageFolder, "ImagePath"))
    ///     .Append(mlContext.Peft().ImageClassifier(PretrainedModel.FromDirectory("vit-base-patch16-224")))
    ///     .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
    /// </code>
    /// </example>
    public static ImageClassificationEstimator ImageClassifier(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        int rank = ImageClassifierOptions.Defaults.Rank,
        double alpha = ImageClassifierOptions.Defaults.Alpha,
        int epochs = ImageClassifierOptions.Defaults.Epochs,
        int batchSize = ImageClassifierOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var columns = new ImageClassifierOptions { LabelColumnName = labelColumnName, ImageColumnName = imageColumnName };
        return new ImageClassificationEstimator(catalog.Context, CatalogArguments.WithLora(columns, backbone, rank, alpha, dropout: 0.1, epochs, batchSize, learningRate));
    }

    /// <summary>Creates an <see cref="ImageClassificationEstimator"/> from options, where <see cref="PeftTrainerOptions.Method"/> may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static ImageClassificationEstimator ImageClassifier(this PeftCatalog catalog, ImageClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ImageClassificationEstimator(catalog.Context, options);
    }
}
