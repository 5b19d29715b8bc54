// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Vision.NormTunedDetection;

namespace Microsoft.ML.Peft;

/// <summary>The evaluation of a detector's scores on <c>mlContext.Peft()</c>.</summary>
public static class DetectionEvaluationCatalog
{
    /// <summary>
    /// Computes the AUROC, the equal error rate and the accuracy of scored data: the output of a
    /// <see cref="NormTunedDetectionEstimator"/>'s transformer, or of any binary classifier.
    /// </summary>
    /// <param name="catalog">The catalog, from <c>mlContext.Peft()</c>.</param>
    /// <param name="data">Scored data.</param>
    /// <param name="labelColumnName">The Boolean label column.</param>
    /// <param name="scoreColumnName">The Single score column, higher for true.</param>
    /// <param name="predictedLabelColumnName">The Boolean predicted-label column.</param>
    /// <returns>The metrics.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of another type; it is named.</exception>
    /// <exception cref="ArgumentException">The data holds only one class, or a score is NaN, so AUROC and EER are undefined.</exception>
    public static DetectionMetrics EvaluateDetector(
        this PeftCatalog catalog,
        IDataView data,
        string labelColumnName = "Label",
        string scoreColumnName = "Score",
        string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        var label = Require(data.Schema, "label", labelColumnName, BooleanDataViewType.Instance);
        var score = Require(data.Schema, "score", scoreColumnName, NumberDataViewType.Single);
        var predicted = Require(data.Schema, "predicted label", predictedLabelColumnName, BooleanDataViewType.Instance);

        var labels = new List<bool>();
        var scores = new List<float>();
        int correct = 0;
        using (var cursor = data.GetRowCursor(new[] { label, score, predicted }))
        {
            var readLabel = cursor.GetGetter<bool>(label);
            var readScore = cursor.GetGetter<float>(score);
            var readPredicted = cursor.GetGetter<bool>(predicted);
            bool l = false, p = false;
            float s = 0;
            while (cursor.MoveNext())
            {
                readLabel(ref l);
                readScore(ref s);
                readPredicted(ref p);
                labels.Add(l);
                scores.Add(s);
                correct += l == p ? 1 : 0;
            }
        }

        double auroc = DetectionScoreMetrics.AreaUnderRocCurve(scores, labels);
        double eer = DetectionScoreMetrics.EqualErrorRate(scores, labels);
        int positives = labels.Count(l => l);
        return new DetectionMetrics(auroc, eer, (double)correct / labels.Count, positives, labels.Count - positives);
    }

    private static DataViewSchema.Column Require(DataViewSchema schema, string role, string name, DataViewType type)
    {
        var column = SchemaErrors.Find(schema, role, name);
        if (!column.Type.Equals(type))
        {
            throw new ArgumentOutOfRangeException(name, $"The {role} column '{name}' is {column.Type}; it must be {type}.");
        }

        return column;
    }
}
