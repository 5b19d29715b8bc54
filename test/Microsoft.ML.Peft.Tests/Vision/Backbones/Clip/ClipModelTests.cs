// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.Backbones.Clip;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>A tiny CLIP built in code (<see cref="TinyClipFolder.Model"/>): names, shapes, normalisation, pooling, memory.</summary>
public sealed class ClipModelTests
{
    /// <summary>transformers' <c>CLIPModel</c> in memory, one layer per tower: what PEFT's target names and adapter keys see.</summary>
    [Fact]
    public void ClipModel_StateDict_IsCLIPModelsKeys()
    {
        using var model = TinyClipFolder.Model();

        static IEnumerable<string> Layer(string tower) =>
            from part in new[] { "self_attn.k_proj", "self_attn.v_proj", "self_attn.q_proj", "self_attn.out_proj", "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2" }
            from kind in new[] { "weight", "bias" }
            select $"{tower}.encoder.layers.0.{part}.{kind}";
        var expected = new[]
        {
            "logit_scale", "text_projection.weight", "visual_projection.weight",
            "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
            "text_model.final_layer_norm.weight", "text_model.final_layer_norm.bias",
            "vision_model.embeddings.class_embedding", "vision_model.embeddings.patch_embedding.weight", "vision_model.embeddings.position_embedding.weight",
            "vision_model.pre_layrnorm.weight", "vision_model.pre_layrnorm.bias", "vision_model.post_layernorm.weight", "vision_model.post_layernorm.bias",
        }.Concat(Layer("text_model")).Concat(Layer("vision_model"));

        Assert.Equal(expected.OrderBy(k => k, StringComparer.Ordinal), model.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void Compare_TwoImagesThreeTexts_GivesUnitEmbeddingsAndScaledCosines()
    {
        using var model = TinyClipFolder.Model();
        using var scope = NewDisposeScope();
        manual_seed(3);
        var pixels = randn(2, 3, TinyClipFolder.ImageSize, TinyClipFolder.ImageSize);
        var ids = tensor(new long[] { 26, 9, 18, 27, 26, 19, 11, 27, 26, 23, 6, 27 }, new long[] { 3, 4 });

        var output = model.Compare(pixels, ids, ones_like(ids));

        Assert.Equal(new long[] { 2, 8 }, output.ImageEmbeds.shape);
        Assert.Equal(new long[] { 3, 8 }, output.TextEmbeds.shape);
        Assert.Equal(new long[] { 2, 3 }, output.LogitsPerImage.shape);
        Assert.Equal(new long[] { 3, 2 }, output.LogitsPerText.shape);
        Assert.All(output.ImageEmbeds.norm(1).data<float>().ToArray(), n => Assert.Equal(1f, n, 1e-5f));
        Assert.All(output.TextEmbeds.norm(1).data<float>().ToArray(), n => Assert.Equal(1f, n, 1e-5f));
        var cosines = output.ImageEmbeds.matmul(output.TextEmbeds.t()) * Math.Exp(2.6592);
        Assert.True(output.LogitsPerImage.allclose(cosines, rtol: 1e-5, atol: 1e-5));
        Assert.True(output.LogitsPerText.allclose(output.LogitsPerImage.t()));

        // forward is get_image_features: the projected embedding before normalisation.
        var features = model.call(pixels);
        Assert.True((features / features.norm(1, keepdim: true)).allclose(output.ImageEmbeds, atol: 1e-6));
    }

    [Fact]
    public void PooledPositions_CurrentEosTokenId_IsTheFirstEndOfTextEvenWhenPaddingRepeatsIt()
    {
        using var model = TinyClipFolder.Model();
        using var scope = NewDisposeScope();

        // Row 0 is padded with <|endoftext|> (27) itself; row 1 holds a larger id (an added token, say) after it, where the
        // argmax of the ids would pool. Only the positions are computed, so the id need not be in the tiny vocabulary.
        var ids = tensor(new long[] { 26, 9, 27, 27, 27, 26, 27, 30, 3, 3 }, new long[] { 2, 5 });

        Assert.Equal(new long[] { 2, 1 }, model.TextModel.PooledPositions(ids).data<long>().ToArray());
    }

    [Fact]
    public void PooledPositions_LegacyEosTokenIdTwo_IsTheArgmaxOfTheIds()
    {
        using var model = TinyClipFolder.Model(eosTokenId: 2);
        using var scope = NewDisposeScope();

        // Row 0 holds id 2 at position 1, which the legacy rule ignores: it pools where the largest id sits.
        var ids = tensor(new long[] { 26, 2, 27, 0, 26, 9, 18, 27 }, new long[] { 2, 4 });

        Assert.Equal(new long[] { 2, 3 }, model.TextModel.PooledPositions(ids).data<long>().ToArray());
    }

    [Fact]
    public void TextFeatures_PaddedBatch_GivesEachRowItsUnpaddedEmbedding()
    {
        using var model = TinyClipFolder.Model();
        using var scope = NewDisposeScope();
        var shortIds = tensor(new long[] { 26, 9, 18, 27 }, new long[] { 1, 4 });
        var longIds = tensor(new long[] { 26, 9, 23, 6, 16, 9, 18, 27 }, new long[] { 1, 8 });
        var padded = tensor(new long[] { 26, 9, 18, 27, 27, 27, 27, 27, 26, 9, 23, 6, 16, 9, 18, 27 }, new long[] { 2, 8 });
        var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, new long[] { 2, 8 });

        var batch = model.TextFeatures(padded, mask);

        Assert.True(batch[0].allclose(model.TextFeatures(shortIds, ones_like(shortIds))[0], atol: 1e-6));
        Assert.True(batch[1].allclose(model.TextFeatures(longIds, ones_like(longIds))[0], atol: 1e-6));
    }

    [Fact]
    public void Forward_ImagesOfAnotherSize_AreRefusedNamingImageSize()
    {
        using var model = TinyClipFolder.Model();
        using var scope = NewDisposeScope();

        var error = Assert.Throws<ArgumentException>(() => model.call(zeros(1, 3, 32, 32)));

        Assert.Contains("vision_config.image_size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TextFeatures_MoreIdsThanPositions_AreRefusedNamingMaxPositionEmbeddings()
    {
        using var model = TinyClipFolder.Model();
        using var scope = NewDisposeScope();
        var ids = zeros(1, TinyClipFolder.MaxPositions + 1, dtype: ScalarType.Int64);

        var error = Assert.Throws<ArgumentException>(() => model.TextFeatures(ids, ones_like(ids)));

        Assert.Contains("max_position_embeddings", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForwardPasses_InAScope_LeaveNoTensorAlive()
    {
        using var model = TinyClipFolder.Model();
        using (var warm = NewDisposeScope())
        {
            RunAll(model);
        }

        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = NewDisposeScope())
        {
            RunAll(model);
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void BuiltAndDisposed_LeavesNoTensorAlive()
    {
        TinyClipFolder.Model().Dispose();
        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        TinyClipFolder.Model().Dispose();
        TinyClipFolder.Model().ReleaseVisionModel().Dispose();

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void ReleaseVisionModel_DisposesTheRestAndKeepsTheTowerWorking()
    {
        var model = TinyClipFolder.Model();
        var expectedKeys = model.VisionModel.state_dict().Keys.ToList();

        using var tower = model.ReleaseVisionModel();
        using var scope = NewDisposeScope();

        Assert.Equal(expectedKeys, tower.state_dict().Keys);
        Assert.Equal(new long[] { 2, 16 }, tower.call(zeros(2, 3, TinyClipFolder.ImageSize, TinyClipFolder.ImageSize)).shape);
        Assert.Throws<ObjectDisposedException>(() => model.VisionModel);
    }

    private static void RunAll(ClipModel model)
    {
        var pixels = zeros(2, 3, TinyClipFolder.ImageSize, TinyClipFolder.ImageSize);
        var ids = tensor(new long[] { 26, 9, 18, 27, 26, 19, 11, 27 }, new long[] { 2, 4 });
        model.Compare(pixels, ids, ones_like(ids));
        model.call(pixels);
        model.VisionModel.call(pixels);
        model.TextModel.PooledPositions(ids);
    }
}
