// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>Checks <see cref="LoraTextClassifierOptions"/> when the estimator is created: its columns here, the shared options in <see cref="TrainerOptionsValidator"/>.</summary>
internal static class TextClassifierOptionsValidator
{
    internal static void Validate(LoraTextClassifierOptions options)
    {
        TrainerOptionsValidator.RequireBackbone(options, "all-MiniLM-L6-v2");

        // A backbone of another modality (e.g. vision) is refused here, at construction, rather than in Fit.
        _ = options.Backbone!.AsText("LoraTextClassifier");

        TrainerOptionsValidator.RequireColumnNames(
            (nameof(options.LabelColumnName), options.LabelColumnName),
            (nameof(options.TextColumnName), options.TextColumnName));
        ClassifierOutputColumns.Validate(options.ScoreColumnName, options.ProbabilityColumnName, options.PredictedLabelColumnName);
        if (options.SecondTextColumnName is { } second && (string.IsNullOrWhiteSpace(second) || second == options.TextColumnName))
        {
            throw new ArgumentException($"`{nameof(options.SecondTextColumnName)}` must be null or another column than `{nameof(options.TextColumnName)}`, got \"{second}\".", nameof(options));
        }

        TrainerOptionsValidator.Validate(options);
    }
}
