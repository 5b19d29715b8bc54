// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The columns a tagger reads and the ones it adds; shared by the estimator, the transformer, its data view and row mapper.
/// With a <see cref="TextColumn"/>, a data view that has that column is read as raw text and also gets the entity span columns;
/// one without it is read from <see cref="TokensColumn"/> as words, as training and evaluation data are.
/// </summary>
internal sealed record NamedEntityColumns(string TokensColumn, string PredictedTagsColumn, string? TextColumn = null)
{
    internal const string EntityStarts = "EntityStarts";
    internal const string EntityLengths = "EntityLengths";
    internal const string EntityTypes = "EntityTypes";
    internal const string EntityScores = "EntityScores";

    /// <summary>The span columns in the order they follow the predicted tags.</summary>
    internal static readonly string[] SpanColumns = { EntityStarts, EntityLengths, EntityTypes, EntityScores };

    /// <summary>The columns as fields of the stage's <c>stage.json</c>.</summary>
    internal JsonObject ToJson() => new()
    {
        ["tokens_column"] = TokensColumn,
        ["predicted_tags_column"] = PredictedTagsColumn,
        ["text_column"] = TextColumn,
    };

    /// <summary>The columns saved by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">A required column name is missing.</exception>
    internal static NamedEntityColumns FromJson(LoadedStage stage) =>
        new(stage.RequiredString("tokens_column"), stage.RequiredString("predicted_tags_column"), stage.Fields["text_column"]?.GetValue<string>());

    /// <summary>Checks that the tokens column exists and is a vector of text.</summary>
    internal void CheckInput(DataViewSchema inputSchema)
    {
        var column = SchemaErrors.Find(inputSchema, "Tokens", TokensColumn);
        if (column.Type is not VectorDataViewType { ItemType: TextDataViewType })
        {
            throw new ArgumentOutOfRangeException(
                nameof(inputSchema),
                $"Schema mismatch for tokens column '{TokensColumn}': expected vector of String, got {column.Type}. "
                + "Split sentences into words first, e.g. with mlContext.Transforms.Text.TokenizeIntoWords, or load a CoNLL file.");
        }
    }

    /// <summary>Whether a data view with <paramref name="hasColumn"/> is read as raw text (the text column is set and present).</summary>
    internal bool ReadsText(Func<string, bool> hasColumn) => TextColumn is not null && hasColumn(TextColumn);

    /// <summary>The column to tag in <paramref name="inputSchema"/> and whether it is raw text, checked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing or has the wrong type; the message names it.</exception>
    internal (DataViewSchema.Column Column, bool IsText) Input(DataViewSchema inputSchema)
    {
        if (TextColumn is not null && (ReadsText(name => inputSchema.GetColumnOrNull(name) is not null) || inputSchema.GetColumnOrNull(TokensColumn) is null))
        {
            return (SchemaErrors.FindText(inputSchema, "Text", TextColumn), true);
        }

        CheckInput(inputSchema);
        return (inputSchema[TokensColumn], false);
    }

    /// <summary>
    /// The input columns followed by the predicted tags (variable-length vector of keys carrying the tag names) and, for raw
    /// text, the entity spans: starts and lengths (vectors of Int32, UTF-16 offsets into the text), types (vector of String) and
    /// scores (vector of Single).
    /// </summary>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, int tagCount, LabelKeyValues? tagNames)
    {
        bool isText = Input(inputSchema).IsText;
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        var annotations = new DataViewSchema.Annotations.Builder();
        tagNames?.AddTo(annotations);
        builder.AddColumn(PredictedTagsColumn, new VectorDataViewType(new KeyDataViewType(typeof(uint), tagCount)), annotations.ToAnnotations());
        if (isText)
        {
            builder.AddColumn(EntityStarts, new VectorDataViewType(NumberDataViewType.Int32));
            builder.AddColumn(EntityLengths, new VectorDataViewType(NumberDataViewType.Int32));
            builder.AddColumn(EntityTypes, new VectorDataViewType(TextDataViewType.Instance));
            builder.AddColumn(EntityScores, new VectorDataViewType(NumberDataViewType.Single));
        }

        return builder.ToSchema();
    }
}
