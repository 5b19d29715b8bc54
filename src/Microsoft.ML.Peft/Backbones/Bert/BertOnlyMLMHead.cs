// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>Hugging Face's <c>BertOnlyMLMHead</c> (<c>cls</c>): the container that gives the prediction head its name <c>cls.predictions</c>.</summary>
internal sealed class BertOnlyMLMHead : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "predictions")]
    private readonly BertLMPredictionHead _predictions;

    internal BertOnlyMLMHead(BertConfig config)
        : base(nameof(BertOnlyMLMHead))
    {
        _predictions = new BertLMPredictionHead(config);
        RegisterComponents();
    }

    /// <summary>Logits (..., vocabulary) of hidden states (..., hidden) against the tied decoder weight (vocabulary, hidden).</summary>
    public override Tensor forward(Tensor hidden, Tensor decoderWeight) => _predictions.call(hidden, decoderWeight);
}
