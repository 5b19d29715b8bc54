// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>The names of the columns an image classifier reads (<see cref="Image"/>) and adds (<see cref="Outputs"/>), shared by its estimator, transformer, predictor and saved stage.</summary>
internal sealed record ImageClassifierColumns(string Image, ClassifierOutputColumns Outputs)
{
    /// <summary>The columns as fields of <c>stage.json</c>.</summary>
    internal JsonObject ToJson()
    {
        var fields = new JsonObject { ["image_column"] = Image };
        Outputs.WriteTo(fields);
        return fields;
    }

    /// <summary>The columns of a saved stage.</summary>
    internal static ImageClassifierColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("image_column"),
        ClassifierOutputColumns.ReadFrom(stage));

    /// <summary>The input schema followed by the classifier's columns for <paramref name="label"/> (<see cref="ScoreColumns"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The image column is missing or of another type.</exception>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, ClassifierLabel label)
    {
        ImageColumn.Find(inputSchema, Image);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        ScoreColumns.Add(builder, Outputs, label);
        return builder.ToSchema();
    }
}
