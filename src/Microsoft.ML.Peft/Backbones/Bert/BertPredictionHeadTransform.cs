// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Hugging Face's <c>BertPredictionHeadTransform</c> (<c>cls.predictions.transform</c>): <c>LayerNorm(act(dense(x)))</c>, with the
/// encoder's <c>hidden_act</c> and <c>layer_norm_eps</c>.
/// </summary>
internal sealed class BertPredictionHeadTransform : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly string _activation;

    internal BertPredictionHeadTransform(BertConfig config)
        : base(nameof(BertPredictionHeadTransform))
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _activation = config.HiddenAct;

        // Hugging Face's _init_weights: dense normal(0, 0.02) with a zero bias; LayerNorm 1 and 0 (TorchSharp's default too).
        SequenceClassifierModel.InitializeHead(_dense);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden) => _layerNorm.call(HiddenActivation.Apply(_activation, _dense.call(hidden)));
}
