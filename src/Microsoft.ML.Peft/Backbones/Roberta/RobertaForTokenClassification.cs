// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// Hugging Face's <c>RobertaForTokenClassification</c>: <c>roberta</c> (no pooler), dropout (<c>classifier_dropout</c>, else
/// <c>hidden_dropout_prob</c>) and a linear <c>classifier</c> over every token. Unlike the sequence classifier's two-layer
/// <see cref="RobertaClassificationHead"/>, the token head is one <c>Linear</c>, so its keys are <c>classifier.weight</c>/<c>bias</c>.
/// </summary>
internal sealed class RobertaForTokenClassification : TokenClassifierModel
{
    [ComponentName(Name = "roberta")]
    private readonly RobertaModel _roberta;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _dropout;

    /// <param name="roberta">The encoder, owned from now on.</param>
    /// <param name="labelCount">Number of classes.</param>
    internal RobertaForTokenClassification(RobertaModel roberta, int labelCount)
        : base(nameof(RobertaForTokenClassification))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(labelCount);
        _roberta = roberta;
        _classifier = nn.Linear(roberta.HiddenSize, labelCount);
        _dropout = roberta.HeadDropout;
        SequenceClassifierModel.InitializeHead(_classifier);
        LabelCount = labelCount;
        RegisterComponents();
    }

    internal override TextEncoder Encoder => _roberta;

    internal override int LabelCount { get; }

    internal override double Dropout => _dropout;

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _roberta.call(inputIds, tokenTypeIds, attentionMask);
        return _classifier.call(nn.functional.dropout(hidden, _dropout, training));
    }
}
