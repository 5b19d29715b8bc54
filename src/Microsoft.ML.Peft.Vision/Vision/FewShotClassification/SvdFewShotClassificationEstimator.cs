// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.FewShotClassification;
using Microsoft.ML.Peft.Vision.ImageClassification;

namespace Microsoft.ML.Peft;

/// <summary>
/// Few-shot image classification after CLIP-SVD: tunes only the singular values of a pretrained vision backbone's weight
/// matrices (both towers of CLIP) on a few images per class, with a head that classifies before the first step (CLIP's
/// text prompts, or class prototypes on an image-only backbone). Created by <c>mlContext.Peft().SvdFewShotClassifier(...)</c>;
/// <c>mlContext.Data.TakeRowsPerClass</c> draws the K images per class.
/// </summary>
/// <remarks>
/// The output is an <see cref="ImageClassificationTransformer"/>, the image classifier's, with its columns (<c>Score</c>,
/// <c>PredictedLabel</c>, or the binary columns for a Boolean label), persistence and adapter export. See
/// <see cref="SvdFewShotClassifierOptions"/> for the recipe.
/// </remarks>
public sealed class SvdFewShotClassificationEstimator : IEstimator<ImageClassificationTransformer>
{
    private readonly ImageClassifierEstimatorCore _core;

    internal SvdFewShotClassificationEstimator(MLContext context, SvdFewShotClassifierOptions options)
    {
        if (options.PromptTemplate is null || !options.PromptTemplate.Contains(SvdFewShotRecipe.LabelPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"`{nameof(options.PromptTemplate)}` must contain {SvdFewShotRecipe.LabelPlaceholder} where the class name goes, e.g. \"{SvdFewShotClassifierOptions.Defaults.PromptTemplate}\"; got \"{options.PromptTemplate}\".",
                nameof(options));
        }

        if (!(options.PrototypeLogitScale > 0) || double.IsInfinity(options.PrototypeLogitScale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PrototypeLogitScale, $"`{nameof(options.PrototypeLogitScale)}` must be a positive number, got {options.PrototypeLogitScale}.");
        }

        _core = new ImageClassifierEstimatorCore(context, options, SvdFewShotRecipe.For(options));
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _core.GetOutputSchema(inputSchema);

    /// <summary>Trains the singular values (and the prototype head of an image-only backbone) on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or a CLIP backbone's label has no class names.</exception>
    /// <exception cref="InvalidDataException">An image cannot be read; the row is named.</exception>
    public ImageClassificationTransformer Fit(IDataView input) => _core.Fit(input);
}
