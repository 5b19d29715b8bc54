// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Text.TextClassification;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>The column a tagger reads and the one it adds; shared by the estimator, the transformer and its data view.</summary>
internal sealed record NamedEntityColumns(string TokensColumn, string PredictedTagsColumn)
{
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

    /// <summary>The input columns followed by the predicted tags (variable-length vector of keys carrying the tag names).</summary>
    internal DataViewSchema OutputSchema(DataViewSchema inputSchema, int tagCount, LabelKeyValues? tagNames)
    {
        CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        var annotations = new DataViewSchema.Annotations.Builder();
        tagNames?.AddTo(annotations);
        builder.AddColumn(PredictedTagsColumn, new VectorDataViewType(new KeyDataViewType(typeof(uint), tagCount)), annotations.ToAnnotations());
        return builder.ToSchema();
    }
}
