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
/// Input: an image column (see <see cref="ImageClassifierOptions.ImageColumnName"/>) and a label column whose type chooses the
/// output. A key label: <c>Score</c> (vector of float, one probability per class) and <c>PredictedLabel</c> (key), which ML.NET's
/// <c>MulticlassClassification.Evaluate</c> reads. A Boolean label: <c>Score</c> (the margin logit(true) − logit(false)),
/// <c>Probability</c> (P(true)) and <c>PredictedLabel</c> (Boolean), which <c>BinaryClassification.Evaluate</c> reads.
/// </remarks>
public sealed class ImageClassificationEstimator : IEstimator<ImageClassificationTransformer>
{
    private readonly MLContext _context;
    private readonly ImageClassifierOptions _options;
    private readonly ImageClassifierColumns _columns;

    internal ImageClassificationEstimator(MLContext context, ImageClassifierOptions options)
    {
        _context = context;
        _options = options;
        ImageClassifierOptionsValidator.Validate(options);
        _columns = new ImageClassifierColumns(options.ImageColumnName, new ClassifierOutputColumns(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ImageColumn.Find(inputSchema, _columns.Image);
        var label = SchemaErrors.FindClassifierLabel(inputSchema, _options.LabelColumnName);
        return ScoreColumnsShape.Create(_context, inputSchema, _columns.Outputs, label);
    }

    /// <summary>Trains the adapter and head on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidDataException">An image cannot be read; the row is named.</exception>
    public ImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ImageClassifierTrainer.Train(_context, _options, _columns, input);
    }
}
