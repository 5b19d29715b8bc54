// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Checks <see cref="LoraNamedEntityRecognizerOptions"/> when the estimator is created: its columns, windows and domain adaptation here, the shared options in <see cref="TrainerOptionsValidator"/>.</summary>
internal static class NamedEntityOptionsValidator
{
    internal static void Validate(LoraNamedEntityRecognizerOptions options)
    {
        TrainerOptionsValidator.RequireBackbone(options, "PubMedBERT");

        // A backbone of another modality (e.g. vision) is refused here, at construction, rather than in Fit.
        _ = options.Backbone!.AsText("LoraNamedEntityRecognizer");

        TrainerOptionsValidator.RequireColumnNames(
            (nameof(options.TokensColumnName), options.TokensColumnName),
            (nameof(options.TagsColumnName), options.TagsColumnName),
            (nameof(options.PredictedTagsColumnName), options.PredictedTagsColumnName));
        if (options.TextColumnName is not null && string.IsNullOrWhiteSpace(options.TextColumnName))
        {
            throw new ArgumentException($"`{nameof(options.TextColumnName)}` must name a column or be null, got \"{options.TextColumnName}\".", nameof(options));
        }

        if (options.TextColumnName is { } text && Array.IndexOf(NamedEntityColumns.SpanColumns, text) >= 0)
        {
            throw new ArgumentException($"`{nameof(options.TextColumnName)}` \"{text}\" is the name of an output column; rename the text column.", nameof(options));
        }

        TrainerOptionsValidator.Positive(options.DomainAdaptationEpochs, nameof(options.DomainAdaptationEpochs));
        if (options.WindowOverlap is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.WindowOverlap, $"`{nameof(options.WindowOverlap)}` must not be negative, got {options.WindowOverlap}.");
        }

        if (options.InitialAdapterDirectory is not null && options.DomainAdaptationSet is not null)
        {
            throw new ArgumentException(
                $"`{nameof(options.DomainAdaptationSet)}` and `{nameof(options.InitialAdapterDirectory)}` are both set: domain-adaptive pre-training starts a new adapter, "
                + "a continued one is already trained. Set one of them.",
                nameof(options));
        }

        TrainerOptionsValidator.Validate(options);
    }
}
