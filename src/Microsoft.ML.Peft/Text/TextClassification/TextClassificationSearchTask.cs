// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Search;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>The text classifier in a rank search: its estimator per trial and ML.NET's classifier metrics on validation.</summary>
internal sealed class TextClassificationSearchTask : SearchTask
{
    private readonly LoraTextClassifierOptions _options;

    internal TextClassificationSearchTask(LoraTextClassifierOptions options)
        : base("Text classification", options) => _options = options;

    internal override PeftSearchMetric DefaultMetric => PeftSearchMetric.MacroF1;

    internal override IReadOnlyList<string> InputColumns =>
        _options.SecondTextColumnName is { } second
            ? new[] { _options.TextColumnName, second, _options.LabelColumnName }
            : new[] { _options.TextColumnName, _options.LabelColumnName };

    internal override IReadOnlyList<PeftSearchMetric> MetricsFor(DataViewSchema schema) =>
        schema.GetColumnOrNull(_options.LabelColumnName) is { } label ? ClassifierSearchMetrics.For(label.Type) : ClassifierSearchMetrics.For(NumberDataViewType.Single);

    internal override IEstimator<PeftTaskTransformer> CreateEstimator(MLContext context, PeftTrainerOptions trialOptions) =>
        new LoraTextClassificationEstimator(context, (LoraTextClassifierOptions)trialOptions);

    internal override PeftTrainingInfo TrainingInfo(PeftTaskTransformer model) =>
        ((LoraTextClassificationTransformer)model).TrainingInfo
        ?? throw new InvalidOperationException("A text classifier fitted by the search has a training report.");

    internal override double Evaluate(MLContext context, PeftTaskTransformer model, IDataView validation, PeftSearchMetric metric) =>
        ClassifierSearchMetrics.Evaluate(
            context, model.Transform(validation), metric, _options.LabelColumnName, _options.ScoreColumnName, _options.ProbabilityColumnName, _options.PredictedLabelColumnName);
}
