// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// Fine-tunes a pretrained vision backbone (ViT, CLIP's image tower, ResNet-18) for image classification by training a PEFT
/// adapter (LoRA by default) and a new linear head. Created by <c>mlContext.Peft().ImageClassifier(...)</c>.
/// </summary>
/// <remarks>
/// Input: an image column (see <see cref="ImageClassifierOptionsBase.ImageColumnName"/>) and a label column whose type chooses the
/// output. A key label: <c>Score</c> (vector of float, one probability per class) and <c>PredictedLabel</c> (key), which ML.NET's
/// <c>MulticlassClassification.Evaluate</c> reads. A Boolean label: <c>Score</c> (the margin logit(true) − logit(false)),
/// <c>Probability</c> (P(true)) and <c>PredictedLabel</c> (Boolean), which <c>BinaryClassification.Evaluate</c> reads.
/// </remarks>
public sealed class ImageClassificationEstimator : IEstimator<ImageClassificationTransformer>
{
    private readonly ImageClassifierEstimatorCore _core;

    internal ImageClassificationEstimator(MLContext context, ImageClassifierOptions options) =>
        _core = new ImageClassifierEstimatorCore(context, options, ImageClassifierTrainer.Recipe);

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _core.GetOutputSchema(inputSchema);

    /// <summary>Trains the adapter and head on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidDataException">An image cannot be read; the row is named.</exception>
    public ImageClassificationTransformer Fit(IDataView input) => _core.Fit(input);
}
