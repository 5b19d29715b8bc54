// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>
/// Hugging Face's <c>DistilBertForTokenClassification</c>: <c>distilbert</c>, dropout and a linear <c>classifier</c> over every
/// token. The dropout is the encoder's <c>dropout</c>, not the sequence head's <c>seq_classif_dropout</c>, and there is no
/// <c>pre_classifier</c>.
/// </summary>
internal sealed class DistilBertForTokenClassification : TokenClassifierModel
{
    [ComponentName(Name = "distilbert")]
    private readonly DistilBertModel _distilbert;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _dropout;

    /// <param name="distilbert">The encoder, owned from now on.</param>
    /// <param name="labelCount">Number of classes.</param>
    internal DistilBertForTokenClassification(DistilBertModel distilbert, int labelCount)
        : base(nameof(DistilBertForTokenClassification))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelCount);
        _distilbert = distilbert;
        _classifier = nn.Linear(distilbert.HiddenSize, labelCount);
        _dropout = distilbert.Config.Dropout;
        SequenceClassifierModel.InitializeHead(_classifier);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _distilbert;

    internal override int LabelCount { get; }

    internal override double Dropout => _dropout;

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _distilbert.call(inputIds, tokenTypeIds, attentionMask);
        return _classifier.call(nn.functional.dropout(hidden, _dropout, training));
    }
}
