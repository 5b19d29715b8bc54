// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// A pretrained transformer encoder: token ids, token type ids and a 1/0 attention mask, all (batch, time),
/// to last hidden states (batch, time, hidden). Parameter names equal the Hugging Face checkpoint keys of its architecture.
/// </summary>
internal abstract class TextEncoder : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    protected TextEncoder(string name)
        : base(name)
    {
    }

    /// <summary>Width of the hidden states.</summary>
    internal abstract int HiddenSize { get; }

    /// <summary>The longest token sequence the position embeddings allow, special tokens included.</summary>
    internal abstract int MaxSequenceLength { get; }

    /// <summary>
    /// Dropout of Hugging Face's sequence-classification head: <c>classifier_dropout</c>, else <c>hidden_dropout_prob</c>
    /// (BERT, RoBERTa); <c>seq_classif_dropout</c> (DistilBERT).
    /// </summary>
    internal abstract double HeadDropout { get; }
}
