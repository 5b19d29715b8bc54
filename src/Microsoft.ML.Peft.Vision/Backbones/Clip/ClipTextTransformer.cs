// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// CLIP's text tower, named as Hugging Face's <c>CLIPTextTransformer</c> (<c>text_model</c> in <c>CLIPModel</c>): embeddings,
/// a causal encoder (each token attends to itself and earlier tokens, and not to padding), <c>final_layer_norm</c>, and the
/// pooled output at the end-of-text token.
/// </summary>
internal sealed class ClipTextTransformer : nn.Module<Tensor, Tensor, Tensor>
{
    // The eos_token_id that configurations written before transformers fixed it carry (OpenAI's checkpoints): 2 is not
    // their end-of-text id, so transformers pools those models at the argmax of the ids, where the end-of-text token sits
    // because it is the largest id of OpenAI's vocabulary (49407).
    private const int LegacyEosTokenId = 2;

    [ComponentName(Name = "embeddings")]
    private readonly ClipTextEmbeddings _embeddings;
    [ComponentName(Name = "encoder")]
    private readonly ClipEncoder _encoder;
    [ComponentName(Name = "final_layer_norm")]
    private readonly LayerNorm _finalLayerNorm;
    private readonly long _eosTokenId;

    internal ClipTextTransformer(ClipTextConfig config)
        : base(nameof(ClipTextTransformer))
    {
        Config = config;
        _embeddings = new ClipTextEmbeddings(config);
        _encoder = new ClipEncoder(config.Encoder);
        _finalLayerNorm = nn.LayerNorm(config.Encoder.HiddenSize, config.Encoder.LayerNormEps);
        _eosTokenId = config.EosTokenId;
        RegisterComponents();
    }

    internal ClipTextConfig Config { get; }

    /// <summary>The pooled text states (batch, hidden): the final-LayerNorm state of each row's end-of-text token.</summary>
    /// <param name="inputIds">Token ids (batch, time), each row holding its end-of-text token.</param>
    /// <param name="attentionMask">1 for tokens, 0 for padding (batch, time).</param>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = _finalLayerNorm.call(LastHiddenState(inputIds, attentionMask));
        var rows = arange(hidden.shape[0], dtype: ScalarType.Int64, device: hidden.device);
        return hidden.index(TensorIndex.Tensor(rows), TensorIndex.Tensor(PooledPositions(inputIds))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Where each row is pooled, as transformers' <c>CLIPTextModel</c>: with the legacy <c>eos_token_id</c> 2 the argmax of the
    /// ids (OpenAI's end-of-text is its vocabulary's largest id), otherwise the first position holding <c>eos_token_id</c>,
    /// so padding with the end-of-text token itself does not move the pooled token (position 0 for a row without one, as
    /// <c>argmax</c> of all zeros gives).
    /// </summary>
    /// <param name="inputIds">Token ids (batch, time).</param>
    /// <returns>The pooled position of each row (batch), as int64.</returns>
    internal Tensor PooledPositions(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var positions = _eosTokenId == LegacyEosTokenId
            ? inputIds.argmax(-1)
            : inputIds.eq(_eosTokenId).to(ScalarType.Int32).argmax(-1);
        return positions.MoveToOuterDisposeScope();
    }

    private Tensor LastHiddenState(Tensor inputIds, Tensor attentionMask)
    {
        var hidden = _embeddings.call(inputIds);
        return _encoder.call(hidden, CausalMask(attentionMask, hidden.dtype));
    }

    // Hugging Face's causal mask combined with the padding mask, (batch, 1, time, time): 0 where a query may attend to a key,
    // the dtype's most negative value elsewhere. Filled once rather than summed, so the two never add up to -inf.
    private static Tensor CausalMask(Tensor attentionMask, ScalarType dtype)
    {
        long time = attentionMask.shape[1];
        var causal = ones(time, time, dtype: ScalarType.Bool, device: attentionMask.device).tril();
        var keys = attentionMask.ne(0).unsqueeze(1).unsqueeze(2);
        var allowed = causal.unsqueeze(0).unsqueeze(0).logical_and(keys);
        return zeros(allowed.shape, dtype: dtype, device: attentionMask.device).masked_fill(allowed.logical_not(), finfo(dtype).min);
    }
}
