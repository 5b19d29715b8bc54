// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>The names of the columns an image classifier reads (<see cref="Image"/>) and adds, shared by its estimator, transformer, predictor and saved stage.</summary>
internal sealed record ImageClassifierColumns(string Image, string Score, string PredictedLabel)
{
    /// <summary>The columns as fields of <c>stage.json</c>.</summary>
    internal JsonObject ToJson() => new()
    {
        ["image_column"] = Image,
        ["score_column"] = Score,
        ["predicted_label_column"] = PredictedLabel,
    };

    /// <summary>The columns of a saved stage.</summary>
    internal static ImageClassifierColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("image_column"),
        stage.RequiredString("score_column"),
        stage.RequiredString("predicted_label_column"));

    /// <summary>The input schema followed by the score and predicted-label columns.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The image column is missing or of another type.</exception>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, int classCount, LabelKeyValues? keyValues)
    {
        ImageColumn.Find(inputSchema, Image);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        ScoreColumns.Add(builder, Score, PredictedLabel, classCount, keyValues);
        return builder.ToSchema();
    }
}
