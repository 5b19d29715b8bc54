// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// An encoder with a token-classification head, laid out and named as the architecture's Hugging Face
/// <c>XxxForTokenClassification</c> (encoder under <c>bert.</c>/<c>roberta.</c>/<c>distilbert.</c>, a linear <c>classifier</c>
/// beside it), so an adapter saved from a <c>PeftModel</c> over it carries the key names Python PEFT expects.
/// Input: token ids, token type ids, attention mask (batch, time); output: logits (batch, time, labels), one row per token,
/// padding included (the caller ignores those rows).
/// </summary>
internal abstract class TokenClassifierModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    protected TokenClassifierModel(string name)
        : base(name)
    {
    }

    /// <summary>The pretrained encoder inside the model.</summary>
    internal abstract TextEncoder Encoder { get; }

    /// <summary>Number of classes the head scores at every token.</summary>
    internal abstract int LabelCount { get; }

    /// <summary>Dropout probability on the hidden states before the classifier, as the Hugging Face class reads it from the configuration.</summary>
    internal abstract double Dropout { get; }
}
