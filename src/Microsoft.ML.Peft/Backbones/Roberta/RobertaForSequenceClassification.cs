// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// Hugging Face's <c>RobertaForSequenceClassification</c>: <c>roberta</c> (no pooler) and <c>classifier</c>
/// (<see cref="RobertaClassificationHead"/>). Names match, so an adapter saved from a <c>PeftModel</c> over it carries
/// <c>base_model.model.roberta.encoder.layer.0.attention.self.query.lora_A.weight</c> and
/// <c>base_model.model.classifier.dense.weight</c>/<c>out_proj</c> as Python PEFT writes them.
/// </summary>
internal sealed class RobertaForSequenceClassification : SequenceClassifierModel
{
    [ComponentName(Name = "roberta")]
    private readonly RobertaModel _roberta;
    [ComponentName(Name = "classifier")]
    private readonly RobertaClassificationHead _classifier;

    internal RobertaForSequenceClassification(RobertaModel roberta, int labelCount)
        : base(nameof(RobertaForSequenceClassification))
    {
        _roberta = roberta;
        _classifier = new RobertaClassificationHead(roberta.HiddenSize, labelCount, roberta.HeadDropout);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _roberta;

    internal override int LabelCount { get; }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask) =>
        _classifier.call(_roberta.call(inputIds, tokenTypeIds, attentionMask));
}
