// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>
/// A ViT encoder whose parameter names equal the classic Hugging Face <c>ViTModel</c> checkpoint keys
/// (<c>embeddings.cls_token</c>, <c>embeddings.position_embeddings</c>, <c>embeddings.patch_embeddings.projection.weight</c>,
/// <c>encoder.layer.N.attention.attention.query.weight</c>, <c>layernorm.weight</c>), which transformers 5 still writes to
/// <c>model.safetensors</c>. There is no pooler: <c>ViTForImageClassification</c> builds <c>ViTModel(add_pooling_layer=False)</c>
/// and its classifier reads the final-LayerNorm class token, which is what <see cref="forward"/> returns.
/// </summary>
/// <remarks>
/// transformers 5 names the same modules differently in memory (<c>layers.N.attention.q_proj</c>, <c>…k_proj</c>, <c>…v_proj</c>,
/// <c>…o_proj</c>, <c>layers.N.mlp.fc1</c>, <c>…fc2</c>), and PEFT adapters trained there carry those names; the encoder
/// declares them as <see cref="ModuleNameAliases"/> so that such adapters load onto the classic names, and so that saved
/// adapters use them, as PEFT on transformers 5 expects.
/// </remarks>
internal sealed class ViTEncoder : ImageEncoder, IModuleNameAliasProvider
{
    [ComponentName(Name = "embeddings")]
    private readonly ViTEmbeddings _embeddings;
    [ComponentName(Name = "encoder")]
    private readonly ViTLayerStack _encoder;
    [ComponentName(Name = "layernorm")]
    private readonly LayerNorm _layerNorm;

    internal ViTEncoder(ViTConfig config)
        : base(nameof(ViTEncoder))
    {
        Config = config;
        _embeddings = new ViTEmbeddings(config);
        _encoder = new ViTLayerStack(config);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>
    /// transformers 5's in-memory names of the layers' modules (its <c>ViTModel</c> holds the layers as <c>layers.N</c>, the
    /// projections as <c>attention.q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>o_proj</c> and <c>mlp.fc1</c>, <c>fc2</c>;
    /// the layer norms, embeddings and final <c>layernorm</c> keep their names), relative to the encoder.
    /// </summary>
    internal static ModuleNameAliases TransformersV5Names { get; } = ModuleNameAliases.FromPatterns(
        ("encoder.layer.{n}.attention.attention.query", "layers.{n}.attention.q_proj"),
        ("encoder.layer.{n}.attention.attention.key", "layers.{n}.attention.k_proj"),
        ("encoder.layer.{n}.attention.attention.value", "layers.{n}.attention.v_proj"),
        ("encoder.layer.{n}.attention.output.dense", "layers.{n}.attention.o_proj"),
        ("encoder.layer.{n}.intermediate.dense", "layers.{n}.mlp.fc1"),
        ("encoder.layer.{n}.output.dense", "layers.{n}.mlp.fc2"),
        ("encoder.layer", "layers"));

    internal ViTConfig Config { get; }

    /// <inheritdoc/>
    ModuleNameAliases IModuleNameAliasProvider.ModuleNameAliases => TransformersV5Names;

    /// <summary>The hidden size: the class token's width.</summary>
    internal override int FeatureSize => Config.HiddenSize;

    /// <summary>The config's <c>image_size</c>; other sizes are refused (position embeddings are not interpolated).</summary>
    internal override int? ImageSize => Config.ImageSize;

    /// <summary>The final-LayerNorm class token <c>[N, hidden]</c>, the features <c>ViTForImageClassification</c>'s classifier reads.</summary>
    /// <param name="pixelValues"><c>[N, num_channels, image_size, image_size]</c>, as the image processor gives them.</param>
    /// <exception cref="ArgumentException">The pixel values have another shape; the message names the expected one.</exception>
    public override Tensor forward(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        return Encode(pixelValues).Normalized.select(1, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Four maps of patch tokens, <c>[N, hidden, side / patch, side / patch]</c>: the outputs of the layers a quarter, half,
    /// three quarters of the way and at the end of the stack (the last after the final LayerNorm), as dense heads on plain
    /// ViTs (DPT's layers 3, 6, 9, 12 of a ViT-B) tap one stack at several depths. All share the patch stride.
    /// </summary>
    internal override IReadOnlyList<int> FeatureMapChannels => Enumerable.Repeat(Config.HiddenSize, Taps.Count).ToArray();

    private IReadOnlyList<int> Taps => Enumerable.Range(1, 4).Select(k => (k * Config.NumHiddenLayers / 4) - 1).Where(i => i >= 0).Distinct().ToArray();

    /// <inheritdoc/>
    internal override IReadOnlyList<Tensor> FeatureMaps(Tensor pixelValues)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        CheckShape(pixelValues);
        using var scope = NewDisposeScope();
        var taps = Taps;
        var outputs = _encoder.Outputs(_embeddings.call(pixelValues), taps).ToList();
        outputs[^1] = _layerNorm.call(outputs[^1]);
        long side = Config.ImageSize / Config.PatchSize;

        // Drop the class token and lay the patches out on their grid: [N, patches, hidden] -> [N, hidden, side, side].
        return outputs.Select(o => o.narrow(1, 1, side * side).transpose(1, 2).reshape(o.shape[0], Config.HiddenSize, side, side).contiguous().MoveToOuterDisposeScope()).ToList();
    }

    /// <summary>
    /// The hidden states of every token: <see cref="ViTHiddenStates.LastHidden"/> before the final LayerNorm (Hugging Face's
    /// <c>hidden_states[-1]</c>) and <see cref="ViTHiddenStates.Normalized"/> after it (<c>last_hidden_state</c>), both
    /// <c>[N, patches + 1, hidden]</c> with the class token first.
    /// </summary>
    /// <exception cref="ArgumentException">The pixel values have another shape; the message names the expected one.</exception>
    internal ViTHiddenStates Encode(Tensor pixelValues)
    {
        ArgumentNullException.ThrowIfNull(pixelValues);
        CheckShape(pixelValues);
        var last = _encoder.call(_embeddings.call(pixelValues));
        return new ViTHiddenStates(last, _layerNorm.call(last));
    }

    private void CheckShape(Tensor pixelValues)
    {
        var shape = pixelValues.shape;
        int side = Config.ImageSize;
        if (shape.Length != 4 || shape[1] != Config.NumChannels || shape[2] != side || shape[3] != side)
        {
            throw new ArgumentException(
                $"This ViT takes pixel values [N, {Config.NumChannels}, {side}, {side}] (image_size {side} of its config.json), got [{string.Join(", ", shape)}]. "
                + $"Position embeddings are not interpolated to other sizes: resize the images to {side} x {side}.",
                nameof(pixelValues));
        }
    }
}
