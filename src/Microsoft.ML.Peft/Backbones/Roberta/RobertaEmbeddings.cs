// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// RoBERTa's embeddings, named as Hugging Face's <c>RobertaEmbeddings</c>. They differ from BERT's only in the positions:
/// fairseq numbers real tokens from <c>pad_token_id + 1</c> and gives every padding token the position <c>pad_token_id</c>,
/// whose embedding row is the padding row.
/// </summary>
internal sealed class RobertaEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")]
    private readonly Embedding _wordEmbeddings;
    [ComponentName(Name = "position_embeddings")]
    private readonly Embedding _positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")]
    private readonly Embedding _tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;
    private readonly long _padTokenId;

    internal RobertaEmbeddings(BertConfig config)
        : base(nameof(RobertaEmbeddings))
    {
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        _positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId);
        _tokenTypeEmbeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = config.HiddenDropout;
        _padTokenId = config.PadTokenId;
        RegisterComponents();
    }

    /// <summary>
    /// Hugging Face's <c>create_position_ids_from_input_ids</c>: the running count of non-padding tokens, offset by the
    /// padding id, and the padding id itself at padding tokens.
    /// </summary>
    internal static Tensor PositionIds(Tensor inputIds, long padTokenId)
    {
        var notPadding = inputIds.ne(padTokenId).to(ScalarType.Int32);
        return (notPadding.cumsum(1).to(ScalarType.Int32) * notPadding).to(ScalarType.Int64) + padTokenId;
    }

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        // Summed in Hugging Face's order (words + token types, then positions), so float rounding matches too.
        var sum = _wordEmbeddings.call(inputIds) + _tokenTypeEmbeddings.call(tokenTypeIds);
        sum = sum + _positionEmbeddings.call(PositionIds(inputIds, _padTokenId));
        return nn.functional.dropout(_layerNorm.call(sum), _dropout, training);
    }
}
