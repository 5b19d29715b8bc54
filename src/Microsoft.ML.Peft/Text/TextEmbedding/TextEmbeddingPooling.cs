// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How <see cref="TextEmbeddingEstimator"/> turns an encoder's token states into one vector per text.</summary>
public enum TextEmbeddingPooling
{
    /// <summary>
    /// The mean of the token states over the text's tokens ([CLS] and [SEP] included, padding excluded), as
    /// sentence-transformers' mean pooling (all-MiniLM-L6-v2 and most sentence encoders).
    /// </summary>
    Mean,

    /// <summary>The state of the first token ([CLS], or RoBERTa's &lt;s&gt;), as BERT's pooler input and CLS-pooled encoders (e.g. BGE).</summary>
    Cls,
}
