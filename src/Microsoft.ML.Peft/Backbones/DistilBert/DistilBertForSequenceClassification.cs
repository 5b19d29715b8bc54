// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>
/// Hugging Face's <c>DistilBertForSequenceClassification</c>: <c>distilbert</c>, then on the [CLS] state <c>pre_classifier</c>
/// (dim → dim), ReLU, dropout (<c>seq_classif_dropout</c>) and <c>classifier</c>. Names match, so adapters trained with
/// Python PEFT on distilbert-base-uncased load onto it key for key.
/// </summary>
internal sealed class DistilBertForSequenceClassification : SequenceClassifierModel
{
    [ComponentName(Name = "distilbert")]
    private readonly DistilBertModel _distilbert;
    [ComponentName(Name = "pre_classifier")]
    private readonly Linear _preClassifier;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _dropout;

    internal DistilBertForSequenceClassification(DistilBertModel distilbert, int labelCount)
        : base(nameof(DistilBertForSequenceClassification))
    {
        _distilbert = distilbert;
        _preClassifier = nn.Linear(distilbert.HiddenSize, distilbert.HiddenSize);
        _classifier = nn.Linear(distilbert.HiddenSize, labelCount);
        _dropout = distilbert.HeadDropout;
        InitializeHead(_preClassifier);
        InitializeHead(_classifier);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _distilbert;

    internal override int LabelCount { get; }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var first = _distilbert.call(inputIds, tokenTypeIds, attentionMask).select(1, 0);
        var pooled = nn.functional.dropout(nn.functional.relu(_preClassifier.call(first)), _dropout, training);
        return _classifier.call(pooled);
    }
}
