// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// An encoder with a masked-language-modeling head, laid out and named as the architecture's Hugging Face
/// <c>XxxForMaskedLM</c> (encoder under <see cref="EncoderName"/>, head under <see cref="HeadName"/>), so adapter keys come out
/// as Python PEFT writes them. Input: token ids, token type ids, attention mask (batch, time); output: logits (batch, time, vocabulary).
/// </summary>
/// <remarks>
/// The model wraps an encoder it does not own: dispose <see cref="Head"/> when done, not the model, which would dispose the encoder too.
/// </remarks>
internal abstract class MaskedLanguageModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>The label of positions that are not predicted (PyTorch's and Hugging Face's <c>ignore_index</c>).</summary>
    internal const long IgnoredLabel = -100;

    protected MaskedLanguageModel(string name)
        : base(name)
    {
    }

    /// <summary>Gets the pretrained encoder inside the model.</summary>
    internal abstract TextEncoder Encoder { get; }

    /// <summary>Gets the encoder's module name, e.g. <c>bert</c>: its parameters are named <c>bert.encoder.layer.0...</c>.</summary>
    internal abstract string EncoderName { get; }

    /// <summary>Gets the head, a direct child of the model.</summary>
    internal abstract nn.Module Head { get; }

    /// <summary>Gets the head's module name, e.g. <c>cls</c>: its parameters are the checkpoint keys <c>cls.predictions...</c>.</summary>
    internal abstract string HeadName { get; }

    /// <summary>Gets the number of token ids the decoder scores.</summary>
    internal abstract long VocabularySize { get; }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) =>
        Predict(Encoder.call(inputIds, tokenTypeIds, attentionMask));

    /// <summary>
    /// The mean cross-entropy over the positions whose label is not <see cref="IgnoredLabel"/>, as Hugging Face's
    /// <c>BertForMaskedLM</c> computes with <c>labels</c>. The vocabulary logits are computed only at those positions (about 15 %),
    /// which gives the same value for a fraction of the memory. A batch without a labelled position has loss 0 (PyTorch's mean
    /// would be 0/0), so a rare draw that selects nothing does not stop training.
    /// </summary>
    /// <param name="inputIds">Token ids after masking, (batch, time).</param>
    /// <param name="tokenTypeIds">Token type ids, (batch, time).</param>
    /// <param name="attentionMask">1 for tokens, 0 for padding, (batch, time).</param>
    /// <param name="labels">The original id where a prediction is scored, <see cref="IgnoredLabel"/> elsewhere, (batch, time).</param>
    internal Tensor Loss(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask, Tensor labels)
    {
        var hidden = Encoder.call(inputIds, tokenTypeIds, attentionMask);
        var scored = labels.ne(IgnoredLabel);
        var targets = labels[scored];
        var logits = Predict(hidden[scored]);
        var sum = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.Sum);
        return sum / Math.Max(targets.shape[0], 1);
    }

    /// <summary>Vocabulary logits (..., vocabulary) from last hidden states (..., hidden).</summary>
    protected abstract Tensor Predict(Tensor hidden);
}
