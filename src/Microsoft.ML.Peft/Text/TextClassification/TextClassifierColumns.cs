// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.TextClassification;

/// <summary>
/// The columns a text classifier reads and adds, and the output schema built from them; shared by the estimator's
/// <c>GetOutputSchema</c>, the transformer and its data view so all three agree.
/// </summary>
internal sealed record TextClassifierColumns(string TextColumn, string? SecondTextColumn, ClassifierOutputColumns Outputs)
{
    /// <summary>The columns as fields of the stage's <c>stage.json</c>.</summary>
    internal JsonObject ToJson()
    {
        var fields = new JsonObject
        {
            ["text_column"] = TextColumn,
            ["second_text_column"] = SecondTextColumn,
        };
        Outputs.WriteTo(fields);
        return fields;
    }

    /// <summary>The columns saved by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">A required column name is missing.</exception>
    internal static TextClassifierColumns FromJson(LoadedStage stage) => new(
        stage.RequiredString("text_column"),
        stage.Fields["second_text_column"]?.GetValue<string>(),
        ClassifierOutputColumns.ReadFrom(stage));

    /// <summary>Checks that the text columns exist and are text.</summary>
    internal void CheckInput(DataViewSchema inputSchema)
    {
        SchemaErrors.FindText(inputSchema, "Text", TextColumn);
        if (SecondTextColumn is not null)
        {
            SchemaErrors.FindText(inputSchema, "Second text", SecondTextColumn);
        }
    }

    /// <summary>The input columns followed by the classifier's columns for <paramref name="label"/> (<see cref="ScoreColumns"/>).</summary>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, ClassifierLabel label)
    {
        CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);

        ScoreColumns.Add(builder, Outputs, label);
        return builder.ToSchema();
    }
}
