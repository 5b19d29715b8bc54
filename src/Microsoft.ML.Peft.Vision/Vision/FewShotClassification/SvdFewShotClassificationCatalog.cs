// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>The few-shot image classifier (CLIP-SVD) on <c>mlContext.Peft()</c>.</summary>
public static class SvdFewShotClassificationCatalog
{
    /// <summary>Creates an <see cref="SvdFewShotClassificationEstimator"/> that tunes the singular values of <paramref name="backbone"/>'s weight matrices.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained vision backbone: a CLIP folder (classes become text prompts), a ViT folder, or ResNet-18.</param>
    /// <param name="labelColumnName">The label column: a key (for CLIP, over the class names), or a Boolean.</param>
    /// <param name="imageColumnName">The image column: an Image (<c>LoadImages</c>), encoded image bytes, or an image file path.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Images per training step.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for CLIP-SVD's 5e-4.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var fewShot = mlContext.Data.TakeRowsPerClass(trainData, rowsPerClass: 4, labelColumnName: "Class", seed: 1);
    /// var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Class")
    ///     .Append(mlContext.Transforms.LoadImages("Image", imageFolder, "ImagePath"))
    ///     .Append(mlContext.Peft().SvdFewShotClassifier(PretrainedModel.FromDirectory("clip-vit-base-patch16")));
    /// var model = pipeline.Fit(fewShot);
    /// </code>
    /// </example>
    public static SvdFewShotClassificationEstimator SvdFewShotClassifier(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        int epochs = SvdFewShotClassifierOptions.Defaults.Epochs,
        int batchSize = ImageClassifierOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        var options = new SvdFewShotClassifierOptions
        {
            Backbone = backbone,
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate ?? SvdFewShotClassifierOptions.Defaults.LearningRate,
        };
        return new SvdFewShotClassificationEstimator(catalog.Context, options);
    }

    /// <summary>Creates an <see cref="SvdFewShotClassificationEstimator"/> from options, where <see cref="PeftTrainerOptions.Method"/> may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static SvdFewShotClassificationEstimator SvdFewShotClassifier(this PeftCatalog catalog, SvdFewShotClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new SvdFewShotClassificationEstimator(catalog.Context, options);
    }
}
