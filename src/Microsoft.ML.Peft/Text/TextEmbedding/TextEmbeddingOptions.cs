// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>Options of <see cref="TextEmbeddingEstimator"/>: the encoder, the columns, the pooling and an optional adapter.</summary>
public sealed class TextEmbeddingOptions
{
    /// <summary>The pretrained text encoder, e.g. <see cref="PretrainedModel.FromDirectory"/> of all-MiniLM-L6-v2. Required.</summary>
    public PretrainedModel? Backbone { get; set; }

    /// <summary>The text column to embed. Default <c>Text</c>.</summary>
    public string InputColumnName { get; set; } = "Text";

    /// <summary>The added column: a vector of <see cref="float"/> of the encoder's hidden size. Default <c>Embedding</c>.</summary>
    public string OutputColumnName { get; set; } = "Embedding";

    /// <summary>How the token states become one vector. Default <see cref="TextEmbeddingPooling.Mean"/>.</summary>
    public TextEmbeddingPooling Pooling { get; set; } = TextEmbeddingPooling.Mean;

    /// <summary>
    /// Whether each vector is scaled to unit L2 length, so a dot product is the cosine similarity (sentence-transformers'
    /// <c>Normalize</c> module, which all-MiniLM-L6-v2 ends with). Default true.
    /// </summary>
    public bool Normalize { get; set; } = true;

    /// <summary>
    /// An optional PEFT adapter on the bare encoder to apply (the folder with <c>adapter_config.json</c> and
    /// <c>adapter_model.safetensors</c>), e.g. one trained in Python on <c>AutoModel</c> with <c>task_type="FEATURE_EXTRACTION"</c>;
    /// a classifier's adapter (SEQ_CLS, TOKEN_CLS) is refused. Default: none, the encoder as pretrained.
    /// </summary>
    public string? AdapterDirectory { get; set; }

    /// <summary>Longest input in tokens (special tokens included), at least 8; longer texts are truncated. Default: the backbone's maximum.</summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Texts embedded at once by <c>Transform</c>. Default 64.</summary>
    public int BatchSize { get; set; } = Text.TextEmbedding.TextEmbeddingBuilder.DefaultBatchSize;
}
