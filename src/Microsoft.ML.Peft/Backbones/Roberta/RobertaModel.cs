// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// A RoBERTa encoder whose parameter names equal Hugging Face's <c>RobertaModel(add_pooling_layer=False)</c> keys
/// (<c>embeddings.position_embeddings.weight</c>, <c>encoder.layer.N.attention.self.query.weight</c>, …). It has no pooler:
/// RobertaForSequenceClassification does not use one, and RoBERTa checkpoints such as roberta-base do not ship one.
/// The layers are BERT's (<see cref="BertEncoder"/>); only the embeddings differ.
/// </summary>
internal sealed class RobertaModel : TextEncoder
{
    [ComponentName(Name = "embeddings")]
    private readonly RobertaEmbeddings _embeddings;
    [ComponentName(Name = "encoder")]
    private readonly BertEncoder _encoder;

    internal RobertaModel(BertConfig config)
        : base(nameof(RobertaModel))
    {
        if (config.MaxPositionEmbeddings <= config.PadTokenId + 1)
        {
            throw new ArgumentException(
                $"`max_position_embeddings` ({config.MaxPositionEmbeddings}) must exceed `pad_token_id` + 1 ({config.PadTokenId + 1}): RoBERTa numbers positions from pad_token_id + 1.",
                nameof(config));
        }

        Config = config;
        _embeddings = new RobertaEmbeddings(config);
        _encoder = new BertEncoder(config);
        RegisterComponents();
    }

    internal BertConfig Config { get; }

    internal override int HiddenSize => Config.HiddenSize;

    /// <summary>The positions below <c>pad_token_id + 1</c> are never used, so roberta-base's 514 positions hold 512 tokens.</summary>
    internal override int MaxSequenceLength => MaxSequenceLengthOf(Config);

    internal override double HeadDropout => Config.ClassifierDropout ?? Config.HiddenDropout;

    internal static int MaxSequenceLengthOf(BertConfig config) => config.MaxPositionEmbeddings - config.PadTokenId - 1;

    /// <summary>Last hidden states (batch, time, hidden) for token ids, token type ids (all 0 for RoBERTa) and a 1/0 attention mask.</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _embeddings.call(inputIds, tokenTypeIds);
        return _encoder.call(hidden, AttentionMask.Additive(attentionMask, hidden.dtype));
    }
}
