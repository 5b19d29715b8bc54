// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextEmbedding;

namespace Microsoft.ML.Peft;

/// <summary>
/// Embeds a text column with a pretrained encoder (and optionally a PEFT adapter on it): adds a vector of <see cref="float"/>
/// per text, pooled over the tokens and optionally L2-normalised, for ML.NET's trainers and similarity search. Nothing is
/// trained: <see cref="Fit"/> checks the input schema and loads the encoder, as ML.NET's <c>ApplyOnnxModel</c> does.
/// </summary>
public sealed class TextEmbeddingEstimator : IEstimator<TextEmbeddingTransformer>
{
    private readonly MLContext _context;
    private readonly TextEmbeddingOptions _options;

    internal TextEmbeddingEstimator(MLContext context, TextEmbeddingOptions options)
    {
        _context = context;
        _options = options;
        Validate(options);
    }

    /// <summary>The input schema with the embedding column added: a known-size vector of <see cref="float"/>.</summary>
    /// <param name="inputSchema">The input's schema shape.</param>
    /// <returns>The output's schema shape.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The text column is missing or not text.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaErrors.FindText(inputSchema, "Text", _options.InputColumnName);
        return VectorColumnShape.Add(_context, inputSchema, _options.OutputColumnName, _options.Backbone!.HiddenSize);
    }

    /// <summary>Checks <paramref name="input"/>'s schema and loads the encoder (and the adapter, when one is set).</summary>
    /// <param name="input">Data with the text column; its rows are not read.</param>
    /// <returns>The transformer; it owns the network, so dispose it when done.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The text column is missing or not text.</exception>
    public TextEmbeddingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        SchemaErrors.FindText(input.Schema, "Text", _options.InputColumnName);
        return TextEmbeddingBuilder.Build(_context, _options);
    }

    private static void Validate(TextEmbeddingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Backbone is null)
        {
            throw new ArgumentNullException(nameof(options), $"`{nameof(options.Backbone)}` is required: set it to a pretrained text encoder, e.g. PretrainedModel.FromDirectory(\"all-MiniLM-L6-v2\").");
        }

        _ = options.Backbone.AsText("TextEmbedding");
        TrainerOptionsValidator.RequireColumnNames((nameof(options.InputColumnName), options.InputColumnName), (nameof(options.OutputColumnName), options.OutputColumnName));
        TrainerOptionsValidator.Positive(options.BatchSize, nameof(options.BatchSize));
        if (!Enum.IsDefined(options.Pooling))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Pooling, $"`{nameof(options.Pooling)}` must be one of {string.Join(", ", Enum.GetNames<TextEmbeddingPooling>())}, got {options.Pooling}.");
        }

        TrainerOptionsValidator.SequenceLength(options.MaxSequenceLength, options.Backbone);

        if (options.AdapterDirectory is { } adapter && !Directory.Exists(adapter))
        {
            throw new DirectoryNotFoundException($"`{nameof(options.AdapterDirectory)}`: the adapter folder '{Path.GetFullPath(adapter)}' does not exist.");
        }
    }
}
