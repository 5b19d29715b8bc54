// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>Token plus learned position embeddings, named as Hugging Face's <c>CLIPTextEmbeddings</c>.</summary>
internal sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "token_embedding")]
    private readonly Embedding _tokenEmbedding;
    [ComponentName(Name = "position_embedding")]
    private readonly Embedding _positionEmbedding;
    private readonly int _maxPositions;

    internal ClipTextEmbeddings(ClipTextConfig config)
        : base(nameof(ClipTextEmbeddings))
    {
        _tokenEmbedding = nn.Embedding(config.VocabSize, config.Encoder.HiddenSize);
        _positionEmbedding = nn.Embedding(config.MaxPositionEmbeddings, config.Encoder.HiddenSize);
        _maxPositions = config.MaxPositionEmbeddings;
        RegisterComponents();
    }

    /// <summary>Embeddings (batch, time, hidden) of token ids (batch, time).</summary>
    /// <exception cref="ArgumentException">The sequence is longer than <c>max_position_embeddings</c>.</exception>
    public override Tensor forward(Tensor inputIds)
    {
        long time = inputIds.shape[1];
        if (time > _maxPositions)
        {
            throw new ArgumentException($"The token sequence has {time} positions but the CLIP text tower has max_position_embeddings {_maxPositions}; truncate it with the tokenizer.", nameof(inputIds));
        }

        // Computed, not registered: Hugging Face does not persist position_ids.
        var positions = arange(time, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        return _tokenEmbedding.call(inputIds) + _positionEmbedding.call(positions);
    }
}
