// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Median, minimum and maximum of measured durations in seconds, with the samples themselves.</summary>
internal sealed record TimingSummary(double Median, double Min, double Max, double[] Samples)
{
    internal static TimingSummary From(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0)
        {
            throw new ArgumentException("No samples.", nameof(samples));
        }

        var sorted = samples.Order().ToArray();
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new TimingSummary(median, sorted[0], sorted[^1], samples.ToArray());
    }
}
