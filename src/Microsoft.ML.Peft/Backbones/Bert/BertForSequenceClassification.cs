// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Hugging Face's <c>BertForSequenceClassification</c>: <c>bert</c> (encoder and pooler), dropout, and a linear <c>classifier</c>
/// over the pooled [CLS] state. Names match, so <c>base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight</c>
/// and <c>classifier</c> under <c>modules_to_save</c> come out of <c>PeftModel.SaveAdapter</c> as Python PEFT writes them.
/// </summary>
internal sealed class BertForSequenceClassification : SequenceClassifierModel
{
    [ComponentName(Name = "bert")]
    private readonly BertModel _bert;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _dropout;

    internal BertForSequenceClassification(BertModel bert, int labelCount)
        : base(nameof(BertForSequenceClassification))
    {
        _bert = bert;
        _classifier = nn.Linear(bert.HiddenSize, labelCount);
        _dropout = bert.HeadDropout;
        InitializeHead(_classifier);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _bert;

    internal override int LabelCount { get; }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var pooled = _bert.Pool(_bert.call(inputIds, tokenTypeIds, attentionMask));
        return _classifier.call(nn.functional.dropout(pooled, _dropout, training));
    }
}
