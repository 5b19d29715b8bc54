// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// The search metrics of a classifier's scored data, through ML.NET's own evaluators: binary for a Boolean label (accuracy,
/// macro-F1 over both classes, AUROC), multiclass for a key label (micro accuracy, macro-F1). Macro-F1 is computed from the
/// evaluator's confusion matrix, which ML.NET reports but does not average.
/// </summary>
internal static class ClassifierSearchMetrics
{
    /// <summary>The metrics a classifier with this label type produces.</summary>
    internal static IReadOnlyList<PeftSearchMetric> For(DataViewType labelType) => labelType is BooleanDataViewType
        ? new[] { PeftSearchMetric.Accuracy, PeftSearchMetric.MacroF1, PeftSearchMetric.AreaUnderRocCurve }
        : new[] { PeftSearchMetric.Accuracy, PeftSearchMetric.MacroF1 };

    /// <summary>Evaluates scored data with the classifier's column names.</summary>
    internal static double Evaluate(
        MLContext context, IDataView scored, PeftSearchMetric metric, string label, string score, string probability, string predictedLabel)
    {
        if (scored.Schema[label].Type is BooleanDataViewType)
        {
            var binary = context.BinaryClassification.Evaluate(scored, label, score, probability, predictedLabel);
            return metric switch
            {
                PeftSearchMetric.Accuracy => binary.Accuracy,
                PeftSearchMetric.AreaUnderRocCurve => binary.AreaUnderRocCurve,
                _ => MacroF1(binary.ConfusionMatrix),
            };
        }

        var multiclass = context.MulticlassClassification.Evaluate(scored, label, score, predictedLabel);
        return metric == PeftSearchMetric.Accuracy ? multiclass.MicroAccuracy : MacroF1(multiclass.ConfusionMatrix);
    }

    /// <summary>The mean over classes of 2PR / (P + R); a class with neither precision nor recall counts 0.</summary>
    internal static double MacroF1(ConfusionMatrix matrix)
    {
        double sum = 0;
        for (int c = 0; c < matrix.NumberOfClasses; c++)
        {
            double p = matrix.PerClassPrecision[c], r = matrix.PerClassRecall[c];
            sum += p + r > 0 ? 2 * p * r / (p + r) : 0;
        }

        return sum / matrix.NumberOfClasses;
    }
}
