// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.ImageClassification;
using Microsoft.ML.Peft.Vision.NormTunedDetection;

namespace Microsoft.ML.Peft;

/// <summary>
/// A detector after GenD ("Deepfake Detection that Generalizes Across Benchmarks"): only the normalisation layers of a
/// pretrained vision backbone train, with a linear head over L2-normalised features and a loss that also shapes the feature
/// space (alignment of same-label features, uniformity of all). Created by <c>mlContext.Peft().NormTunedDetector(...)</c>.
/// </summary>
/// <remarks>
/// The output is an <see cref="ImageClassificationTransformer"/> trained on a Boolean label, with ML.NET's binary columns,
/// persistence and adapter export (LN tuning's keys, <c>ln_tuning_layers</c>, and the head in <c>modules_to_save</c>). See
/// <see cref="NormTunedDetectorOptions"/> for the recipe.
/// </remarks>
public sealed class NormTunedDetectionEstimator : IEstimator<ImageClassificationTransformer>
{
    private readonly ImageClassifierEstimatorCore _core;

    internal NormTunedDetectionEstimator(MLContext context, NormTunedDetectorOptions options) =>
        _core = new ImageClassifierEstimatorCore(context, options, NormTunedDetectionRecipe.Instance);

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _core.GetOutputSchema(inputSchema);

    /// <summary>Trains the normalisation layers and the head on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the label is not a Boolean.</exception>
    /// <exception cref="ArgumentException">The training rows hold only one of the two classes.</exception>
    /// <exception cref="InvalidDataException">An image cannot be read; the row is named.</exception>
    public ImageClassificationTransformer Fit(IDataView input) => _core.Fit(input);
}
