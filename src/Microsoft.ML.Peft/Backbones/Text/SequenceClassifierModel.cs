// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>
/// An encoder with a sequence-classification head, laid out and named as the architecture's Hugging Face
/// <c>XxxForSequenceClassification</c> (encoder under <c>bert.</c>/<c>roberta.</c>/<c>distilbert.</c>, head beside it), so an
/// adapter saved from a <c>PeftModel</c> over it carries the key names Python PEFT expects.
/// Input: token ids, token type ids, attention mask (batch, time); output: logits (batch, labels).
/// </summary>
internal abstract class SequenceClassifierModel : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    protected SequenceClassifierModel(string name)
        : base(name)
    {
    }

    /// <summary>The pretrained encoder inside the model.</summary>
    internal abstract TextEncoder Encoder { get; }

    /// <summary>Number of classes the head scores.</summary>
    internal abstract int LabelCount { get; }

    /// <summary>Hugging Face's <c>_init_weights</c> for a new head layer: normal(0, initializer_range = 0.02), zero bias.</summary>
    internal static void InitializeHead(Linear head)
    {
        using var noGrad = no_grad();
        nn.init.normal_(head.weight!, 0, 0.02);
        nn.init.zeros_(head.bias!);
    }
}
