// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft;

/// <summary>
/// Fine-tunes a pretrained encoder for named-entity recognition with a parameter-efficient method (LoRA r 16, alpha 32 on the
/// attention projections by default, as OpenMed): only the adapter and a token-classification head are trained. Each word's
/// label sits on its first sub-token; sentences longer than the model's window are split into overlapping windows, never cut.
/// Create it with <c>mlContext.Peft().LoraNamedEntityRecognizer(...)</c>.
/// </summary>
public sealed class LoraNamedEntityRecognitionEstimator : IEstimator<LoraNamedEntityRecognitionTransformer>
{
    private readonly MLContext _context;
    private readonly LoraNamedEntityRecognizerOptions _options;
    private readonly NamedEntityColumns _columns;

    internal LoraNamedEntityRecognitionEstimator(MLContext context, LoraNamedEntityRecognizerOptions options)
    {
        _context = context;
        _options = options;
        NamedEntityOptionsValidator.Validate(options);
        _columns = new NamedEntityColumns(options.TokensColumnName, options.PredictedTagsColumnName, options.TextColumnName);
    }

    /// <summary>
    /// The input shape plus the predicted tags column and, when <see cref="LoraNamedEntityRecognizerOptions.TextColumnName"/> is
    /// set and the input has that column, the entity span columns.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var tokens = SchemaErrors.Find(inputSchema, "Tokens", _columns.TokensColumn);
        if (tokens.Kind != SchemaShape.Column.VectorKind.VariableVector && tokens.Kind != SchemaShape.Column.VectorKind.Vector || tokens.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Schema mismatch for tokens column '{tokens.Name}': expected vector of String, got {tokens.ItemType}.");
        }

        var tags = SchemaErrors.Find(inputSchema, "Tags", _options.TagsColumnName);
        if (!tags.IsKey || tags.Kind == SchemaShape.Column.VectorKind.Scalar)
        {
            throw new ArgumentOutOfRangeException(
                nameof(inputSchema),
                $"Schema mismatch for tags column '{tags.Name}': expected vector of Key, got {tags.ItemType}. Add mlContext.Transforms.Conversion.MapValueToKey(\"{tags.Name}\") before the estimator.");
        }

        bool readsText = _columns.ReadsText(name => inputSchema.Any(c => c.Name == name));
        if (readsText)
        {
            SchemaErrors.FindText(inputSchema, "Text", _columns.TextColumn!);
        }

        return NamedEntityOutputShape.Create(_context, inputSchema, _columns, SchemaErrors.HasKeyValues(tags), readsText);
    }

    /// <summary>Trains the adapter and head on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type.</exception>
    /// <exception cref="InvalidOperationException">The data is empty, a sentence is empty, tokens and tags differ in length, or a tag is unknown; the row is named.</exception>
    public LoraNamedEntityRecognitionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return NamedEntityTrainer.Train(_context, _options, _columns, input);
    }
}
