// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// Hugging Face's <c>BertLMPredictionHead</c> (<c>cls.predictions</c>): <c>transform</c>, then the decoder, a linear map onto the
/// vocabulary whose weight is the word-embedding matrix and whose bias is <c>bias</c>.
/// </summary>
/// <remarks>
/// Hugging Face ties <c>decoder.weight</c> to <c>bert.embeddings.word_embeddings.weight</c> and <c>decoder.bias</c> to <c>bias</c>, and
/// saves neither alias. Here the decoder is no module: <see cref="forward"/> receives the embedding matrix itself, so the tie cannot
/// break (no copy exists, on any device) and the names are exactly those of a saved checkpoint.
/// </remarks>
internal sealed class BertLMPredictionHead : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "transform")]
    private readonly BertPredictionHeadTransform _transform;

    // Not readonly: moving the module to a device replaces the parameter through this field.
    [ComponentName(Name = "bias")]
    private Parameter _bias;

    internal BertLMPredictionHead(BertConfig config)
        : base(nameof(BertLMPredictionHead))
    {
        _transform = new BertPredictionHeadTransform(config);
        // Detached so that building the head inside a dispose scope does not free its bias when the scope ends.
        _bias = nn.Parameter(zeros(config.VocabSize).DetachFromDisposeScope());
        RegisterComponents();
    }

    /// <summary>Logits (..., vocabulary) of hidden states (..., hidden) against <paramref name="decoderWeight"/> (vocabulary, hidden).</summary>
    public override Tensor forward(Tensor hidden, Tensor decoderWeight) =>
        nn.functional.linear(_transform.call(hidden), decoderWeight, _bias);
}
