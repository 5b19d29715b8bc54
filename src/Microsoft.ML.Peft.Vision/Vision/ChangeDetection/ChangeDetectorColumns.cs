// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Vision.ChangeDetection;

/// <summary>
/// The names of the columns a change detector reads (<see cref="Before"/>, <see cref="After"/>) and adds
/// (<see cref="Probability"/>, <see cref="PredictedMask"/>), shared by its estimator, transformer, predictor and saved stage.
/// The mask column is read only by training, so it is not part of a fitted detector.
/// </summary>
internal sealed record ChangeDetectorColumns(string Before, string After, string Probability, string PredictedMask)
{
    /// <summary>The columns as fields of <c>stage.json</c>.</summary>
    internal JsonObject ToJson() => new()
    {
        ["before_column"] = Before,
        ["after_column"] = After,
        ["probability_column"] = Probability,
        ["predicted_mask_column"] = PredictedMask,
    };

    /// <summary>The columns of a saved stage.</summary>
    internal static ChangeDetectorColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("before_column"),
        stage.RequiredString("after_column"),
        stage.RequiredString("probability_column"),
        stage.RequiredString("predicted_mask_column"));

    /// <summary>The input schema followed by the probability map and the predicted mask, vectors with the dimensions of <paramref name="tile"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An image column is missing or of another type.</exception>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, ChangeTile tile)
    {
        ImageColumn.Find(inputSchema, Before);
        ImageColumn.Find(inputSchema, After);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(Probability, new VectorDataViewType(NumberDataViewType.Single, tile.Height, tile.Width));
        builder.AddColumn(PredictedMask, new VectorDataViewType(BooleanDataViewType.Instance, tile.Height, tile.Width));
        return builder.ToSchema();
    }

    /// <summary>
    /// The estimator's output shape: the input followed by the two known-size vector columns. ML.NET's
    /// <c>SchemaShape.Column</c> constructor is internal, so the shape comes from a <c>CustomMapping</c> that declares them,
    /// as <see cref="VectorColumnShape"/> does; the shape has no sizes, so any size declares a known-size vector.
    /// </summary>
    internal SchemaShape OutputShape(MLContext context, SchemaShape inputSchema)
    {
        var definition = SchemaDefinition.Create(typeof(MapColumns), SchemaDefinition.Direction.Write);
        // Both are looked up before either is renamed: the definition finds a column by its current name.
        var probabilities = definition[nameof(MapColumns.Probabilities)];
        var mask = definition[nameof(MapColumns.Mask)];
        probabilities.ColumnName = Probability;
        probabilities.ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 1);
        mask.ColumnName = PredictedMask;
        mask.ColumnType = new VectorDataViewType(BooleanDataViewType.Instance, 1, 1);
        return context.Transforms.CustomMapping<NoColumns, MapColumns>((_, _) => { }, contractName: null, outputSchemaDefinition: definition)
            .GetOutputSchema(inputSchema);
    }

    private sealed class NoColumns
    {
    }

    private sealed class MapColumns
    {
        public float[] Probabilities { get; set; } = Array.Empty<float>();

        public bool[] Mask { get; set; } = Array.Empty<bool>();
    }
}
