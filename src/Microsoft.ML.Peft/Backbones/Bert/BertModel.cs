// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Torch;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones.Bert;

/// <summary>
/// A BERT encoder whose parameter names equal Hugging Face's <c>BertModel</c> checkpoint keys
/// (<c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.N.attention.self.query.weight</c>, <c>pooler.dense.weight</c>),
/// so checkpoints load by name and PEFT target names such as <c>query</c>/<c>value</c> apply unchanged.
/// Sub-modules are invoked with <c>call</c> so PEFT layers attached by hooks take part.
/// </summary>
/// <remarks>
/// The pooler is optional, as Hugging Face's <c>add_pooling_layer</c>: heads that read every token (token classification)
/// build <c>BertModel(add_pooling_layer=False)</c>, so their checkpoints and adapters have no <c>bert.pooler.*</c> keys.
/// </remarks>
internal sealed class BertModel : TextEncoder
{
    [ComponentName(Name = "embeddings")]
    private readonly BertEmbeddings _embeddings;
    [ComponentName(Name = "encoder")]
    private readonly BertEncoder _encoder;
    // Null without a pooling layer; RegisterComponents skips null fields, so no pooler.* names appear.
    [ComponentName(Name = "pooler")]
    private BertDense? _pooler;

    /// <param name="config">The encoder's shape.</param>
    /// <param name="addPoolingLayer">Hugging Face's <c>add_pooling_layer</c>: false leaves out <c>pooler.dense</c>.</param>
    internal BertModel(BertConfig config, bool addPoolingLayer = true)
        : base(nameof(BertModel))
    {
        Config = config;
        _embeddings = new BertEmbeddings(config);
        _encoder = new BertEncoder(config);
        _pooler = addPoolingLayer ? new BertDense(config.HiddenSize, config.HiddenSize) : null;
        RegisterComponents();
    }

    internal BertConfig Config { get; }

    /// <summary>Gets a value indicating whether the encoder has its pooler (<c>pooler.dense</c>).</summary>
    internal bool HasPooler => _pooler is not null;

    /// <summary>
    /// Gets <c>embeddings.word_embeddings.weight</c> (vocabulary, hidden) itself, not a copy: the masked-language-modeling
    /// decoder multiplies by it, so the two stay tied. Read it at each use; moving the model to a device replaces the tensor.
    /// </summary>
    internal Tensor WordEmbeddingWeight => _embeddings.WordEmbeddingWeight;

    internal override int HiddenSize => Config.HiddenSize;

    internal override int MaxSequenceLength => Config.MaxPositionEmbeddings;

    internal override double HeadDropout => Config.ClassifierDropout ?? Config.HiddenDropout;

    /// <summary>Last hidden states (batch, time, hidden) for token ids, token type ids and a 1/0 attention mask, all (batch, time).</summary>
    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = _embeddings.call(inputIds, tokenTypeIds);
        return _encoder.call(hidden, AttentionMask.Additive(attentionMask, hidden.dtype));
    }

    /// <summary>tanh(pooler.dense(hidden[:, 0])): BERT's pooled output.</summary>
    /// <exception cref="InvalidOperationException">The encoder was built or left without its pooler.</exception>
    internal Tensor Pool(Tensor lastHidden) =>
        (_pooler ?? throw new InvalidOperationException("This BERT encoder has no pooler (built with addPoolingLayer: false, as Hugging Face's add_pooling_layer=False, or removed for a token classifier); build it with the pooler to use the pooled output."))
            .call(lastHidden.select(1, 0)).tanh();

    /// <summary>
    /// Drops and disposes the pooler, turning a loaded encoder into Hugging Face's <c>BertModel(add_pooling_layer=False)</c>:
    /// a pretrained encoder is loaded once with its pooler (the fingerprint covers it), and a head that does not pool removes it
    /// so that no <c>pooler.*</c> key reaches its state dict or a PEFT adapter.
    /// </summary>
    internal void RemovePooler()
    {
        if (_pooler is null)
        {
            return;
        }

        _internal_submodules.Remove("pooler");
        _pooler.Dispose();
        _pooler = null;
    }

    /// <summary>Mean of the hidden states over attended tokens (sentence-transformers' mean pooling).</summary>
    internal static Tensor MeanPool(Tensor lastHidden, Tensor attentionMask)
    {
        var mask = attentionMask.unsqueeze(-1).to(lastHidden.dtype);
        return (lastHidden * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
    }
}

/// <summary>word + position + token-type embeddings, LayerNorm and dropout.</summary>
internal sealed class BertEmbeddings : nn.Module<Tensor, Tensor, Tensor>
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

    internal BertEmbeddings(BertConfig config)
        : base(nameof(BertEmbeddings))
    {
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        _positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        _tokenTypeEmbeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = config.HiddenDropout;
        RegisterComponents();
    }

    /// <summary>Gets the word-embedding matrix (vocabulary, hidden) itself.</summary>
    internal Tensor WordEmbeddingWeight => _wordEmbeddings.weight!;

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        var positions = arange(inputIds.shape[1], dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var sum = _wordEmbeddings.call(inputIds) + _positionEmbeddings.call(positions) + _tokenTypeEmbeddings.call(tokenTypeIds);
        return nn.functional.dropout(_layerNorm.call(sum), _dropout, training);
    }
}

/// <summary>The stack of layers, named <c>layer.N</c>.</summary>
internal sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<BertLayer> _layer;

    internal BertEncoder(BertConfig config)
        : base(nameof(BertEncoder))
    {
        _layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    // In a scope of its own, so each layer's output is freed when the stack returns rather than when the step ends.
    public override Tensor forward(Tensor hidden, Tensor additiveMask) => ScopedForward.Run(() =>
    {
        var output = hidden;
        foreach (var layer in _layer)
        {
            output = layer.call(output, additiveMask);
        }

        return output;
    });
}
