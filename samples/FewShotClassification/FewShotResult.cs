// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace FewShotClassification;

/// <summary>One run: a method at K shots per class on one K-shot draw.</summary>
internal sealed record FewShotResult(string Method, int Shots, int Draw, double Accuracy, long TrainableParameters, int Steps, TimeSpan Elapsed)
{
    /// <summary>"mean ± half the range" of accuracies, in percent.</summary>
    internal static string MeanAndSpread(IReadOnlyList<double> accuracies)
    {
        if (accuracies.Count == 0)
        {
            return "-";
        }

        double mean = accuracies.Average() * 100;
        double spread = (accuracies.Max() - accuracies.Min()) * 50;
        return accuracies.Count == 1
            ? mean.ToString("F1", CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{mean:F1} ± {spread:F1}");
    }
}
