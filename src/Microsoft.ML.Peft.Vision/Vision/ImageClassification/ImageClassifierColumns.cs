// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ImageClassification;

/// <summary>
/// The names of the columns an image classifier reads (<see cref="Image"/>) and adds (<see cref="Outputs"/>, and
/// <see cref="Features"/> after them when asked for), shared by its estimator, transformer, predictor and saved stage.
/// </summary>
internal sealed record ImageClassifierColumns(string Image, ClassifierOutputColumns Outputs, string? Features = null)
{
    private const string FeaturesField = "features_column";

    /// <summary>The columns as fields of <c>stage.json</c>.</summary>
    internal JsonObject ToJson()
    {
        var fields = new JsonObject { ["image_column"] = Image };
        Outputs.WriteTo(fields);
        if (Features is not null)
        {
            fields[FeaturesField] = Features;
        }

        return fields;
    }

    /// <summary>The columns of a saved stage.</summary>
    internal static ImageClassifierColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("image_column"),
        ClassifierOutputColumns.ReadFrom(stage),
        stage.OptionalString(FeaturesField));

    /// <summary>
    /// The input schema followed by the classifier's columns for <paramref name="label"/> (<see cref="ScoreColumns"/>) and,
    /// when asked for, the features column of <paramref name="featureSize"/> values.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The image column is missing or of another type.</exception>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, ClassifierLabel label, int featureSize)
    {
        ImageColumn.Find(inputSchema, Image);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        ScoreColumns.Add(builder, Outputs, label);
        if (Features is not null)
        {
            builder.AddColumn(Features, new VectorDataViewType(NumberDataViewType.Single, featureSize));
        }

        return builder.ToSchema();
    }

    /// <summary>The index, among the added columns, of the features column: after the two multiclass or three binary score columns.</summary>
    internal static int FeaturesIndex(bool binary) => binary ? 3 : 2;
}
