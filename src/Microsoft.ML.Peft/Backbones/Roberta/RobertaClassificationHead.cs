// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// Hugging Face's <c>RobertaClassificationHead</c> over the &lt;s&gt; token: dropout, <c>dense</c>, tanh, dropout, <c>out_proj</c>.
/// </summary>
internal sealed class RobertaClassificationHead : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    [ComponentName(Name = "out_proj")]
    private readonly Linear _outProj;
    private readonly double _dropout;

    internal RobertaClassificationHead(int hiddenSize, int labelCount, double dropout)
        : base(nameof(RobertaClassificationHead))
    {
        _dense = nn.Linear(hiddenSize, hiddenSize);
        _outProj = nn.Linear(hiddenSize, labelCount);
        _dropout = dropout;
        SequenceClassifierModel.InitializeHead(_dense);
        SequenceClassifierModel.InitializeHead(_outProj);
        RegisterComponents();
    }

    /// <param name="lastHidden">(batch, time, hidden); the first token, &lt;s&gt;, is classified.</param>
    public override Tensor forward(Tensor lastHidden)
    {
        var x = nn.functional.dropout(lastHidden.select(1, 0), _dropout, training);
        x = _dense.call(x).tanh();
        return _outProj.call(nn.functional.dropout(x, _dropout, training));
    }
}
