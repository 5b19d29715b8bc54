// Licensed under the MIT license. See LICENSE in the repository root.

using ScottPlot;

namespace NormTunedDetection;

/// <summary>
/// The detector's feature space in two dimensions: the held-out faces' normalised features projected on their two
/// principal components (each fold's model has its own space, so each fold is projected on its own), coloured by source.
/// </summary>
internal static class FeatureSpacePlot
{
    internal static void Write(IReadOnlyList<ScoredFace> faces, string path)
    {
        var points = faces.GroupBy(f => f.Fold).SelectMany(fold => Project(fold.ToList())).ToList();
        var plot = new Plot();
        var colors = new Dictionary<string, Color>
        {
            [FaceFolders.Real] = Colors.SeaGreen,
            [FaceFolders.StyleGan] = Colors.OrangeRed,
            [FaceFolders.StyleGan3] = Colors.SteelBlue,
        };
        foreach (var group in points.GroupBy(p => p.Face.Source))
        {
            var scatter = plot.Add.ScatterPoints(group.Select(p => p.X).ToArray(), group.Select(p => p.Y).ToArray(), colors[group.Key]);
            scatter.LegendText = group.Key == FaceFolders.Real ? "real (held out)" : $"{group.Key} (held out)";
            scatter.MarkerSize = group.Key == FaceFolders.StyleGan3 ? 6 : 11;
        }

        plot.XLabel("first principal component of the fold's held-out features");
        plot.YLabel("second principal component");
        plot.Title("GenD-style norm tuning on ResNet-18: held-out faces, 4 folds");
        plot.ShowLegend(Alignment.UpperRight);
        string temporary = path + ".tmp";
        plot.SavePng(temporary, 800, 600);
        File.Move(temporary, path, overwrite: true);
    }

    // PCA by power iteration on the centred features: two components are all the plot needs, and 26 faces of 512 values
    // take microseconds, so a linear-algebra package would add a dependency for nothing.
    private static IEnumerable<(ScoredFace Face, double X, double Y)> Project(List<ScoredFace> faces)
    {
        int width = faces[0].Features.Length;
        var mean = new double[width];
        foreach (var face in faces)
        {
            for (int i = 0; i < width; i++)
            {
                mean[i] += face.Features[i] / faces.Count;
            }
        }

        var centred = faces.Select(f => f.Features.Select((v, i) => v - mean[i]).ToArray()).ToList();
        var first = Component(centred, null);
        var second = Component(centred, first);
        for (int n = 0; n < faces.Count; n++)
        {
            yield return (faces[n], Dot(centred[n], first), Dot(centred[n], second));
        }
    }

    private static double[] Component(List<double[]> rows, double[]? orthogonalTo)
    {
        int width = rows[0].Length;
        var vector = Enumerable.Range(0, width).Select(i => 1.0 / Math.Sqrt(width) * (i % 2 == 0 ? 1 : -1)).ToArray();
        for (int iteration = 0; iteration < 200; iteration++)
        {
            var next = new double[width];
            foreach (var row in rows)
            {
                double projection = Dot(row, vector);
                for (int i = 0; i < width; i++)
                {
                    next[i] += projection * row[i];
                }
            }

            if (orthogonalTo is not null)
            {
                double overlap = Dot(next, orthogonalTo);
                for (int i = 0; i < width; i++)
                {
                    next[i] -= overlap * orthogonalTo[i];
                }
            }

            double norm = Math.Sqrt(Dot(next, next));
            if (norm == 0)
            {
                return vector;
            }

            vector = next.Select(v => v / norm).ToArray();
        }

        return vector;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
