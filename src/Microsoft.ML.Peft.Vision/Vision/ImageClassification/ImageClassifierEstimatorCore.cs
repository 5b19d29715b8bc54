// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.Backbones.Image;

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
        Columns = new ImageClassifierColumns(
            options.ImageColumnName, new ClassifierOutputColumns(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName), options.FeaturesColumnName);
    }

    internal ImageClassifierColumns Columns { get; }

    internal SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ImageColumn.Find(inputSchema, Columns.Image);
        var label = SchemaErrors.FindClassifierLabel(inputSchema, _options.LabelColumnName);
        var shape = ScoreColumnsShape.Create(_context, inputSchema, Columns.Outputs, label);
        if (Columns.Features is not { } features)
        {
            return shape;
        }

        // The classes are prompts only for a key label with values on a backbone with a text tower, as in training.
        var backbone = _options.Backbone!.AsVision(_recipe.LogName);
        bool prompts = _recipe.Prompt is not null && backbone.Architecture.HasTextTower && !SchemaErrors.IsBinaryLabel(label) && SchemaErrors.HasKeyValues(label);
        return VectorColumnShape.Add(_context, shape, features, backbone.Architecture.ClassifierFeatureSize(backbone.Model.Config, backbone.Source, prompts));
    }

    internal ImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return ImageClassifierTrainer.Train(_context, _options, Columns, input, _recipe);
    }
}
