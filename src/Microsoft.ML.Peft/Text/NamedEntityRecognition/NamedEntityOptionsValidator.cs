// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Checks <see cref="LoraNamedEntityRecognizerOptions"/> when the estimator is created, naming the option, the value and the fix.</summary>
internal static class NamedEntityOptionsValidator
{
    internal static void Validate(LoraNamedEntityRecognizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backbone is null)
        {
            throw new ArgumentNullException(nameof(options), $"`{nameof(LoraNamedEntityRecognizerOptions.Backbone)}` is required: set it to a pretrained model, e.g. PretrainedModel.FromDirectory(\"PubMedBERT\").");
        }

        // A backbone of another modality (e.g. vision) is refused here, at construction, rather than in Fit.
        _ = options.Backbone.AsText("LoraNamedEntityRecognizer");

        foreach (var (name, value) in new[]
        {
            (nameof(options.TokensColumnName), options.TokensColumnName),
            (nameof(options.TagsColumnName), options.TagsColumnName),
            (nameof(options.PredictedTagsColumnName), options.PredictedTagsColumnName),
        })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new ArgumentException($"`{name}` must name a column, got \"{value}\".", nameof(options));
            }
        }

        if (options.TextColumnName is not null && string.IsNullOrWhiteSpace(options.TextColumnName))
        {
            throw new ArgumentException($"`{nameof(options.TextColumnName)}` must name a column or be null, got \"{options.TextColumnName}\".", nameof(options));
        }

        if (options.TextColumnName is { } text && Array.IndexOf(NamedEntityColumns.SpanColumns, text) >= 0)
        {
            throw new ArgumentException($"`{nameof(options.TextColumnName)}` \"{text}\" is the name of an output column; rename the text column.", nameof(options));
        }

        foreach (var (name, value) in new[] { (nameof(options.Epochs), options.Epochs), (nameof(options.BatchSize), options.BatchSize), (nameof(options.PredictionBatchSize), options.PredictionBatchSize), (nameof(options.CheckpointEverySteps), options.CheckpointEverySteps), (nameof(options.DomainAdaptationEpochs), options.DomainAdaptationEpochs) })
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"`{name}` must be positive, got {value}.");
            }
        }

        if (!(options.LearningRate > 0) || double.IsInfinity(options.LearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, $"`{nameof(options.LearningRate)}` must be a positive number, got {options.LearningRate}.");
        }

        if (options.MaxSequenceLength is { } length && (length < 8 || length > options.Backbone.MaxSequenceLength))
        {
            throw new ArgumentOutOfRangeException(nameof(options), length, $"`{nameof(options.MaxSequenceLength)}` must be between 8 and the backbone's {options.Backbone.MaxSequenceLength}, got {length}.");
        }

        if (options.WindowOverlap is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.WindowOverlap, $"`{nameof(options.WindowOverlap)}` must not be negative, got {options.WindowOverlap}.");
        }

        if (options.EarlyStoppingPatience is not null && options.ValidationSet is null)
        {
            throw new ArgumentException($"`{nameof(options.EarlyStoppingPatience)}` needs a `{nameof(options.ValidationSet)}`; set one or leave the patience null.", nameof(options));
        }

        options.Method?.Validate();
    }
}
