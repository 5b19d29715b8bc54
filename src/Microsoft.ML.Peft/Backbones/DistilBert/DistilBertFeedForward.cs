// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>DistilBERT's <c>FFN</c>: <c>lin1</c>, activation, <c>lin2</c>, dropout.</summary>
internal sealed class DistilBertFeedForward : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "lin1")]
    private readonly Linear _lin1;
    [ComponentName(Name = "lin2")]
    private readonly Linear _lin2;
    private readonly string _activation;
    private readonly double _dropout;

    internal DistilBertFeedForward(DistilBertConfig config)
        : base(nameof(DistilBertFeedForward))
    {
        _lin1 = nn.Linear(config.Dim, config.HiddenDim);
        _lin2 = nn.Linear(config.HiddenDim, config.Dim);
        _activation = config.Activation;
        _dropout = config.Dropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        nn.functional.dropout(_lin2.call(HiddenActivation.Apply(_activation, _lin1.call(input))), _dropout, training);
}
