// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Hugging Face's <c>BertForTokenClassification</c>: <c>bert</c> without its pooler (<c>add_pooling_layer=False</c>), dropout
/// (<c>classifier_dropout</c>, else <c>hidden_dropout_prob</c>) and a linear <c>classifier</c> over every token's last hidden
/// state. Names match, so <c>base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight</c> and
/// <c>base_model.model.classifier.weight</c> come out of <c>PeftModel.SaveAdapter</c> as Python PEFT writes them.
/// </summary>
internal sealed class BertForTokenClassification : TokenClassifierModel
{
    [ComponentName(Name = "bert")]
    private readonly BertModel _bert;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _dropout;

    /// <param name="bert">The encoder, owned from now on; a pooler it has is removed (see <see cref="BertModel.RemovePooler"/>).</param>
    /// <param name="labelCount">Number of classes.</param>
    internal BertForTokenClassification(BertModel bert, int labelCount)
        : base(nameof(BertForTokenClassification))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelCount);
        bert.RemovePooler();
        _bert = bert;
        _classifier = nn.Linear(bert.HiddenSize, labelCount);
        _dropout = bert.HeadDropout;
        SequenceClassifierModel.InitializeHead(_classifier);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _bert;

    internal override int LabelCount { get; }

    internal override double Dropout => _dropout;

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _bert.call(inputIds, tokenTypeIds, attentionMask);
        return _classifier.call(nn.functional.dropout(hidden, _dropout, training));
    }
}
