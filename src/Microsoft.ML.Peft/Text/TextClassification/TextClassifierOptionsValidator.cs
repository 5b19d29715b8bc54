// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>Checks <see cref="LoraTextClassifierOptions"/> when the estimator is created, naming the option, the value and the fix.</summary>
internal static class TextClassifierOptionsValidator
{
    internal static void Validate(LoraTextClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backbone is null)
        {
            throw new ArgumentNullException(nameof(options), $"`{nameof(LoraTextClassifierOptions.Backbone)}` is required: set it to a pretrained model, e.g. PretrainedModel.FromDirectory(\"all-MiniLM-L6-v2\").");
        }

        // A backbone of another modality (e.g. vision) is refused here, at construction, rather than in Fit.
        _ = options.Backbone.AsText("LoraTextClassifier");

        foreach (var (name, value) in new[]
        {
            (nameof(options.LabelColumnName), options.LabelColumnName),
            (nameof(options.TextColumnName), options.TextColumnName),
            (nameof(options.ScoreColumnName), options.ScoreColumnName),
            (nameof(options.PredictedLabelColumnName), options.PredictedLabelColumnName),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"`{name}` must name a column, got \"{value}\".", nameof(options));
            }
        }

        if (options.SecondTextColumnName is { } second && (string.IsNullOrWhiteSpace(second) || second == options.TextColumnName))
        {
            throw new ArgumentException($"`{nameof(options.SecondTextColumnName)}` must be null or another column than `{nameof(options.TextColumnName)}`, got \"{second}\".", nameof(options));
        }

        if (options.ScoreColumnName == options.PredictedLabelColumnName)
        {
            throw new ArgumentException($"`{nameof(options.ScoreColumnName)}` and `{nameof(options.PredictedLabelColumnName)}` must differ, both are \"{options.ScoreColumnName}\".", nameof(options));
        }

        Positive(options.Epochs, nameof(options.Epochs));
        Positive(options.BatchSize, nameof(options.BatchSize));
        Positive(options.PredictionBatchSize, nameof(options.PredictionBatchSize));
        Positive(options.CheckpointEverySteps, nameof(options.CheckpointEverySteps));
        if (!(options.LearningRate > 0) || double.IsInfinity(options.LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, $"`{nameof(options.LearningRate)}` must be a positive number, got {options.LearningRate}.");
        }

        if (options.MaxSequenceLength is { } length && (length < 8 || length > options.Backbone.MaxSequenceLength))
        {
            throw new ArgumentOutOfRangeException(nameof(options), length, $"`{nameof(options.MaxSequenceLength)}` must be between 8 and the backbone's {options.Backbone.MaxSequenceLength}, got {length}.");
        }

        if (options.EarlyStoppingPatience is not null && options.ValidationSet is null)
        {
            throw new ArgumentException($"`{nameof(options.EarlyStoppingPatience)}` needs a `{nameof(options.ValidationSet)}` to measure improvement; set one or leave the patience null.", nameof(options));
        }

        options.Method?.Validate();
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"`{name}` must be positive, got {value}.");
        }
    }
}
