// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>The norm-tuned detector (GenD) on <c>mlContext.Peft()</c>.</summary>
public static class NormTunedDetectionCatalog
{
    /// <summary>Creates a <see cref="NormTunedDetectionEstimator"/> that trains only <paramref name="backbone"/>'s normalisation layers and a head.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained vision backbone (a CLIP or ViT folder, or ResNet-18).</param>
    /// <param name="labelColumnName">The Boolean label column, true for the class to detect.</param>
    /// <param name="imageColumnName">The image column: an Image (<c>LoadImages</c>), encoded image bytes, or an image file path.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Images per training step; the alignment and uniformity terms compare the images of a batch.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for GenD's 3e-4.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Transforms.LoadImages("Image", imageFolder, "ImagePath")
    ///     .Append(mlContext.Peft().NormTunedDetector(PretrainedModel.FromDirectory("clip-vit-base-patch16"), labelColumnName: "IsFake"));
    /// var scored = pipeline.Fit(train).Transform(test);
    /// var metrics = mlContext.Peft().EvaluateDetector(scored, labelColumnName: "IsFake");
    /// </code>
    /// </example>
    public static NormTunedDetectionEstimator NormTunedDetector(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        int epochs = NormTunedDetectorOptions.Defaults.Epochs,
        int batchSize = ImageClassifierOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(backbone);
        var options = new NormTunedDetectorOptions
        {
            Backbone = backbone,
            LabelColumnName = labelColumnName,
            ImageColumnName = imageColumnName,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate ?? NormTunedDetectorOptions.Defaults.LearningRate,
        };
        return new NormTunedDetectionEstimator(catalog.Context, options);
    }

    /// <summary>Creates a <see cref="NormTunedDetectionEstimator"/> from options, where <see cref="PeftTrainerOptions.Method"/> may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static NormTunedDetectionEstimator NormTunedDetector(this PeftCatalog catalog, NormTunedDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new NormTunedDetectionEstimator(catalog.Context, options);
    }
}
