// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>
/// A DistilBERT encoder whose parameter names equal Hugging Face's <c>DistilBertModel</c> keys
/// (<c>embeddings.word_embeddings.weight</c>, <c>transformer.layer.N.attention.q_lin.weight</c>, <c>transformer.layer.N.ffn.lin1.weight</c>, …),
/// so checkpoints load by name and PEFT targets such as <c>q_lin</c>/<c>v_lin</c> apply unchanged.
/// DistilBERT has no token type embeddings: the token type ids are accepted and ignored.
/// </summary>
internal sealed class DistilBertModel : TextEncoder
{
    [ComponentName(Name = "embeddings")]
    private readonly DistilBertEmbeddings _embeddings;
    [ComponentName(Name = "transformer")]
    private readonly DistilBertTransformer _transformer;

    internal DistilBertModel(DistilBertConfig config)
        : base(nameof(DistilBertModel))
    {
        Config = config;
        _embeddings = new DistilBertEmbeddings(config);
        _transformer = new DistilBertTransformer(config);
        RegisterComponents();
    }

    internal DistilBertConfig Config { get; }

    internal override int HiddenSize => Config.Dim;

    internal override int MaxSequenceLength => Config.MaxPositionEmbeddings;

    /// <summary><c>seq_classif_dropout</c>, which DistilBertForSequenceClassification applies after <c>pre_classifier</c>.</summary>
    internal override double HeadDropout => Config.SeqClassifDropout;

    /// <summary>Last hidden states (batch, time, dim) for token ids and a 1/0 attention mask (batch, time); token type ids are ignored.</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _embeddings.call(inputIds);
        return _transformer.call(hidden, AttentionMask.Additive(attentionMask, hidden.dtype));
    }
}
