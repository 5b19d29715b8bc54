// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// What every image-classifier estimator does, whatever its recipe: check the options when it is built, give its output
/// schema shape, and train. The public estimators (<see cref="ImageClassificationEstimator"/>, the few-shot classifier, the
/// norm-tuned detector) hold one and differ only in their recipe and options.
/// </summary>
internal sealed class ImageClassifierEstimatorCore
{
    private readonly MLContext _context;
    private readonly ImageClassifierOptionsBase _options;
    private readonly ImageClassifierRecipe _recipe;

    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    internal ImageClassifierEstimatorCore(MLContext context, ImageClassifierOptionsBase options, ImageClassifierRecipe recipe)
    {
        _context = context;
        _options = options;
        _recipe = recipe;
        ImageClassifierOptionsValidator.Validate(options);
        Columns = new ImageClassifierColumns(options.ImageColumnName, new ClassifierOutputColumns(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName));
    }

    internal ImageClassifierColumns Columns { get; }

    internal SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ImageColumn.Find(inputSchema, Columns.Image);
        var label = SchemaErrors.FindClassifierLabel(inputSchema, _options.LabelColumnName);
        return ScoreColumnsShape.Create(_context, inputSchema, Columns.Outputs, label);
    }

    internal ImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ImageClassifierTrainer.Train(_context, _options, Columns, input, _recipe);
    }
}
