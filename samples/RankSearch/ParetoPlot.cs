// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft;
using ScottPlot;

namespace RankSearch;

/// <summary>
/// Validation macro-F1 against trainable parameters, one colour per strategy, each trial a dot and each strategy's Pareto front
/// a line, drawn with ScottPlot.
/// </summary>
internal static class ParetoPlot
{
    internal static void Write(IReadOnlyList<(string Name, PeftExperimentResult Result)> searches, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < searches.Count; i++)
        {
            var (name, result) = searches[i];
            var color = palette.GetColor(i);
            var measured = result.Leaderboard.Where(t => !double.IsNaN(t.Metric)).ToArray();
            var dots = plot.Add.ScatterPoints(measured.Select(t => (double)t.TrainableParameters).ToArray(), measured.Select(t => t.Metric * 100).ToArray(), color);
            dots.MarkerShape = MarkerShape.OpenCircle;
            dots.MarkerSize = 8;
            dots.LegendText = $"{name}: trials";
            var front = plot.Add.Scatter(
                result.ParetoFront.Select(t => (double)t.TrainableParameters).ToArray(), result.ParetoFront.Select(t => t.Metric * 100).ToArray(), color);
            front.LineWidth = 2;
            front.LegendText = $"{name}: Pareto front";
        }

        plot.XLabel("trainable parameters (LoRA factors and head)");
        plot.YLabel("validation macro-F1 (%)");
        plot.Title("SMS spam, all-MiniLM-L6-v2: rank search");
        plot.ShowLegend(Alignment.LowerRight);

        // Written beside, then moved over, so an interrupted run leaves the previous plot whole.
        string temporary = path + ".tmp";
        plot.SavePng(temporary, 900, 550);
        File.Move(temporary, path, overwrite: true);
    }
}
