// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Search;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The named-entity recognizer in a rank search: its estimator per trial and seqeval's micro entity F1 on validation, in its
/// default mode (conlleval's counting of IOB tags, as Hugging Face's <c>run_ner</c> reports), so IOB1 and IOB2 tags both count.
/// </summary>
internal sealed class NamedEntitySearchTask : SearchTask
{
    private readonly LoraNamedEntityRecognizerOptions _options;

    internal NamedEntitySearchTask(LoraNamedEntityRecognizerOptions options)
        : base("Named-entity recognition", options) => _options = options;

    internal override PeftSearchMetric DefaultMetric => PeftSearchMetric.EntityF1;

    internal override IReadOnlyList<string> InputColumns => new[] { _options.TokensColumnName, _options.TagsColumnName };

    internal override IReadOnlyList<PeftSearchMetric> MetricsFor(DataViewSchema schema) => new[] { PeftSearchMetric.EntityF1 };

    internal override IEstimator<PeftTaskTransformer> CreateEstimator(MLContext context, PeftTrainerOptions trialOptions) =>
        new LoraNamedEntityRecognitionEstimator(context, (LoraNamedEntityRecognizerOptions)trialOptions);

    internal override PeftTrainingInfo TrainingInfo(PeftTaskTransformer model) =>
        ((LoraNamedEntityRecognitionTransformer)model).TrainingInfo
        ?? throw new InvalidOperationException("A named-entity recognizer fitted by the search has a training report.");

    internal override double Evaluate(MLContext context, PeftTaskTransformer model, IDataView validation, PeftSearchMetric metric) =>
        context.Peft().EvaluateNamedEntities(model.Transform(validation), _options.TagsColumnName, _options.PredictedTagsColumnName, strict: false).MicroF1;
}
