// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.DistilBert;

/// <summary>DistilBERT's <c>Embeddings</c>: word + learned position embeddings (no token types), LayerNorm, dropout.</summary>
internal sealed class DistilBertEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "word_embeddings")]
    private readonly Embedding _wordEmbeddings;
    [ComponentName(Name = "position_embeddings")]
    private readonly Embedding _positionEmbeddings;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;

    internal DistilBertEmbeddings(DistilBertConfig config)
        : base(nameof(DistilBertEmbeddings))
    {
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.Dim, padding_idx: config.PadTokenId);
        _positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.Dim);
        _layerNorm = nn.LayerNorm(config.Dim, DistilBertConfig.LayerNormEps);
        _dropout = config.Dropout;
        RegisterComponents();
    }

    public override Tensor forward(Tensor inputIds)
    {
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var sum = _wordEmbeddings.call(inputIds) + _positionEmbeddings.call(positions);
        return nn.functional.dropout(_layerNorm.call(sum), _dropout, training);
    }
}
