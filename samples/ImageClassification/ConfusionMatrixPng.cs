// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using SkiaSharp;

namespace ImageClassification;

/// <summary>Draws ML.NET's confusion matrix as a PNG heat map: rows are the true class, columns the predicted one.</summary>
internal static class ConfusionMatrixPng
{
    private const int Cell = 48;
    private const int Margin = 72;

    internal static void Write(ConfusionMatrix matrix, IReadOnlyList<string> classNames, string path)
    {
        int classes = matrix.NumberOfClasses;
        int size = Margin + classes * Cell + 16;
        using var bitmap = new SKBitmap(size, size + 24);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 14);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };

        for (int actual = 0; actual < classes; actual++)
        {
            double rowTotal = matrix.Counts[actual].Sum();
            for (int predicted = 0; predicted < classes; predicted++)
            {
                double count = matrix.Counts[actual][predicted];
                // Shade by the share of the true class's rows, so rare classes are as readable as common ones.
                double share = rowTotal == 0 ? 0 : count / rowTotal;
                byte level = (byte)(255 - 200 * share);
                fill.Color = new SKColor(level, level, 255);
                var rect = SKRect.Create(Margin + predicted * Cell, Margin + actual * Cell, Cell, Cell);
                canvas.DrawRect(rect, fill);
                text.Color = share > 0.6 ? SKColors.White : SKColors.Black;
                canvas.DrawText(count.ToString("0"), rect.MidX, rect.MidY + 5, SKTextAlign.Center, font, text);
            }
        }

        text.Color = SKColors.Black;
        for (int i = 0; i < classes; i++)
        {
            canvas.DrawText(classNames[i], Margin + i * Cell + Cell / 2f, Margin - 8, SKTextAlign.Center, font, text);
            canvas.DrawText(classNames[i], Margin - 12, Margin + i * Cell + Cell / 2f + 5, SKTextAlign.Right, font, text);
        }

        canvas.DrawText("predicted", Margin + classes * Cell / 2f, 24, SKTextAlign.Center, font, text);
        canvas.DrawText("true", 8, Margin + classes * Cell / 2f, SKTextAlign.Left, font, text);
        canvas.DrawText($"accuracy {matrix.Counts.Select((row, i) => row[i]).Sum() / matrix.Counts.Sum(r => r.Sum()):P2}", 8, size + 12, SKTextAlign.Left, font, text);

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        string temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            data.SaveTo(stream);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
