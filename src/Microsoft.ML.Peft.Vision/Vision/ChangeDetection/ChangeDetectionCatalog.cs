// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.ChangeDetection;

namespace Microsoft.ML.Peft;

/// <summary>The change detector (PeftCD) and its evaluation on <c>mlContext.Peft()</c>.</summary>
public static class ChangeDetectionCatalog
{
    /// <summary>Creates a <see cref="ChangeDetectionEstimator"/> that trains a LoRA adapter on <paramref name="backbone"/>'s encoder, shared by both dates, and a change decoder.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="backbone">The pretrained vision backbone with feature maps: ResNet-18 (<c>VisionBackbones.ResNet18()</c>) or a ViT folder.</param>
    /// <param name="beforeImageColumnName">The image column of the earlier date.</param>
    /// <param name="afterImageColumnName">The image column of the later date.</param>
    /// <param name="maskColumnName">The change-mask image column, changed pixels bright.</param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="alpha">LoRA alpha (the update is scaled by alpha / rank).</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Image pairs per training step.</param>
    /// <param name="learningRate">Peak AdamW learning rate; null for LoRA's default, 1e-3.</param>
    /// <returns>The estimator.</returns>
    /// <example>
    /// <code language="csharp">
    /// var pipeline = mlContext.Peft().ChangeDetector(VisionBackbones.ResNet18(), "Before", "After", "Mask");
    /// var model = pipeline.Fit(train);
    /// var metrics = mlContext.Peft().EvaluateChangeDetector(model.Transform(test), maskColumnName: "Mask");
    /// </code>
    /// </example>
    public static ChangeDetectionEstimator ChangeDetector(
        this PeftCatalog catalog,
        PretrainedModel backbone,
        string beforeImageColumnName = "Before",
        string afterImageColumnName = "After",
        string maskColumnName = "Mask",
        int rank = ChangeDetectorOptions.Defaults.Rank,
        double alpha = ChangeDetectorOptions.Defaults.Alpha,
        int epochs = ChangeDetectorOptions.Defaults.Epochs,
        int batchSize = ChangeDetectorOptions.Defaults.BatchSize,
        double? learningRate = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var columns = new ChangeDetectorOptions { BeforeImageColumnName = beforeImageColumnName, AfterImageColumnName = afterImageColumnName, MaskColumnName = maskColumnName };
        return new ChangeDetectionEstimator(catalog.Context, CatalogArguments.WithLora(columns, backbone, rank, alpha, ChangeDetectorOptions.Defaults.Dropout, epochs, batchSize, learningRate));
    }

    /// <summary>Creates a <see cref="ChangeDetectionEstimator"/> from options, where <see cref="PeftTrainerOptions.Method"/> may be any registered PEFT method.</summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="options">The options; <see cref="PeftTrainerOptions.Backbone"/> is required.</param>
    /// <returns>The estimator.</returns>
    public static ChangeDetectionEstimator ChangeDetector(this PeftCatalog catalog, ChangeDetectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ChangeDetectionEstimator(catalog.Context, options);
    }

    /// <summary>
    /// Computes precision, recall, F1, intersection over union and overall accuracy of the change class from pixel counts
    /// summed over every row of scored data: the output of a <see cref="ChangeDetectionTransformer"/>.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="data">Scored data with the true masks.</param>
    /// <param name="maskColumnName">The true change-mask image column, changed pixels bright (brightest channel above 127).</param>
    /// <param name="predictedMaskColumnName">The predicted mask column, a vector of Boolean with one value per pixel, row-major.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of another type; it is named.</exception>
    /// <exception cref="InvalidDataException">A row's predicted mask has another number of pixels than its true mask, or a mask cannot be read; the row is named.</exception>
    public static ChangeDetectionMetrics EvaluateChangeDetector(this PeftCatalog catalog, IDataView data, string maskColumnName = "Mask", string predictedMaskColumnName = "PredictedMask")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        var c = ChangeDetectionEvaluation.Count(data, maskColumnName, predictedMaskColumnName);
        return new ChangeDetectionMetrics(c.TruePositives, c.FalsePositives, c.FalseNegatives, c.TrueNegatives, c.Precision, c.Recall, c.F1, c.IntersectionOverUnion, c.OverallAccuracy);
    }
}
