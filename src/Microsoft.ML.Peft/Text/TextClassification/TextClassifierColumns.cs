// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// The columns a text classifier reads and adds, and the output schema built from them; shared by the estimator's
/// <c>GetOutputSchema</c>, the transformer and its data view so all three agree.
/// </summary>
internal sealed record TextClassifierColumns(string TextColumn, string? SecondTextColumn, string ScoreColumn, string PredictedLabelColumn)
{
    /// <summary>The columns as fields of the stage's <c>stage.json</c>.</summary>
    internal JsonObject ToJson() => new()
    {
        ["text_column"] = TextColumn,
        ["second_text_column"] = SecondTextColumn,
        ["score_column"] = ScoreColumn,
        ["predicted_label_column"] = PredictedLabelColumn,
    };

    /// <summary>The columns saved by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">A required column name is missing.</exception>
    internal static TextClassifierColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("text_column"),
        stage.Fields["second_text_column"]?.GetValue<string>(),
        stage.RequiredString("score_column"),
        stage.RequiredString("predicted_label_column"));

    /// <summary>Checks that the text columns exist and are text.</summary>
    internal void CheckInput(DataViewSchema inputSchema)
    {
        SchemaErrors.FindText(inputSchema, "Text", TextColumn);
        if (SecondTextColumn is not null)
        {
            SchemaErrors.FindText(inputSchema, "Second text", SecondTextColumn);
        }
    }

    /// <summary>The input columns followed by <c>Score</c> (vector of probabilities) and <c>PredictedLabel</c> (key).</summary>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, int labelCount, LabelKeyValues? keyValues)
    {
        CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);

        ScoreColumns.Add(builder, ScoreColumn, PredictedLabelColumn, labelCount, keyValues);
        return builder.ToSchema();
    }
}
