// Licensed under the MIT license. See LICENSE in the repository root.

using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tasks;
using Microsoft.ML.Peft.Text.TextEmbedding;

namespace Microsoft.ML.Peft;

/// <summary>
/// Text embeddings from a pretrained encoder, made by <see cref="TextEmbeddingEstimator"/>: <see cref="PeftTaskTransformer.Transform"/>
/// adds a vector of <see cref="float"/> of <see cref="Dimension"/> per text, which ML.NET's trainers (SDCA, LightGBM,
/// k-means) and similarity search read as features.
/// </summary>
/// <remarks>
/// It saves and loads with <c>mlContext.Peft().Model</c> like the trained tasks; the encoder's weights are referenced, not
/// copied. <see cref="PeftTaskTransformer.SaveAdapter"/> writes the adapter it applies, and fails when it applies none.
/// </remarks>
public sealed class TextEmbeddingTransformer : PeftTaskTransformer
{
    /// <summary>The stage kind in a saved pipeline.</summary>
    internal const string Kind = "text-embedding";

    internal TextEmbeddingTransformer(TextEmbeddingNetwork network, string inputColumn, string outputColumn, BackboneReference backbone, int batchSize)
        : base(backbone, batchSize)
    {
        Network = network;
        InputColumn = inputColumn;
        OutputColumn = outputColumn;
    }

    /// <summary>The length of each embedding: the encoder's hidden size.</summary>
    public int Dimension => Network.Dimension;

    /// <summary>How token states are pooled.</summary>
    public TextEmbeddingPooling Pooling => Network.Pooling;

    /// <summary>Whether the embeddings have unit L2 length.</summary>
    public bool Normalize => Network.Normalize;

    /// <summary>Whether an adapter is applied to the encoder.</summary>
    public bool HasAdapter => Network.Peft.AdapterNames.Count > 0;

    internal string InputColumn { get; }

    internal string OutputColumn { get; }

    internal TextEmbeddingNetwork Network { get; }

    internal override string StageKind => Kind;

    internal override PeftModel AdapterModel => HasAdapter
        ? Network.Peft
        : throw new InvalidOperationException("This text embedding applies no adapter, so there is none to save; set `TextEmbeddingOptions.AdapterDirectory` to apply one.");

    internal override DataViewSchema OutputSchema(DataViewSchema inputSchema)
    {
        SchemaErrors.FindText(inputSchema, "Text", InputColumn);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(OutputColumn, new VectorDataViewType(NumberDataViewType.Single, Dimension));
        return builder.ToSchema();
    }

    internal override IRowToRowMapper CreateRowMapper(DataViewSchema inputSchema) =>
        new BatchPredictorRowMapper<string, float[]>(inputSchema, new TextEmbeddingPredictor(this));

    internal override IDataView CreateScoringView(IDataView input) =>
        new BatchScoringDataView<string, float[]>(input, new TextEmbeddingPredictor(this));

    internal override void SaveStage(ZipArchive archive, string prefix) => TextEmbeddingArchive.Save(this, archive, prefix);

    internal override void DisposeNetwork() => Network.Dispose();

    internal float[][] Embed(IReadOnlyList<string> texts)
    {
        ThrowIfDisposed();
        return Network.Embed(texts, PredictionBatchSize);
    }
}
