// Licensed under the MIT license. See LICENSE in the repository root.

using ScottPlot;

namespace FewShotClassification;

/// <summary>Accuracy against K, one line per method with each draw's accuracy as a dot, drawn with ScottPlot.</summary>
internal static class AccuracyPlot
{
    internal static void Write(IReadOnlyList<FewShotResult> results, IReadOnlyList<int> shots, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var group in results.GroupBy(r => r.Method))
        {
            var color = palette.GetColor(index++);

            // K on a log-2 axis: 1, 2, 4, 8, 16 equally spaced.
            double[] xs = shots.Select(k => Math.Log2(k)).ToArray();
            double[] means = shots.Select(k => group.Where(r => r.Shots == k).Select(r => r.Accuracy * 100).DefaultIfEmpty(double.NaN).Average()).ToArray();
            var line = plot.Add.Scatter(xs, means, color);
            line.LegendText = group.Key;
            line.LineWidth = 2;
            foreach (var run in group)
            {
                var dot = plot.Add.Marker(Math.Log2(run.Shots), run.Accuracy * 100, MarkerShape.OpenCircle, size: 6, color);
                dot.LegendText = string.Empty;
            }
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(shots.Select(k => Math.Log2(k)).ToArray(), shots.Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.XLabel("K (training images per digit)");
        plot.YLabel("accuracy on 300 held-out digits (%)");
        plot.Title("MNIST with ResNet-18: few-shot adaptation");
        plot.ShowLegend(Alignment.LowerRight);

        // Written beside, then moved over, so an interrupted run leaves the previous plot whole.
        string temporary = path + ".tmp";
        plot.SavePng(temporary, 800, 500);
        File.Move(temporary, path, overwrite: true);
    }
}
