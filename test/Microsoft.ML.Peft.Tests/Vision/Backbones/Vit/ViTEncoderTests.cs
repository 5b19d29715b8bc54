// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.Backbones.Vit;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Vit;

/// <summary>The ViT encoder and classifier built in code: Hugging Face's keys, the forward pass written out by hand, config errors, image sizes.</summary>
public sealed class ViTEncoderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-vit-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void ViTEncoder_StateDictKeys_AreTheClassicViTModelCheckpointKeysWithoutPooler()
    {
        using var encoder = new ViTEncoder(TinyVitFolder.Config);

        Assert.Equal(HuggingFaceViTKeys(layers: 2).Order(StringComparer.Ordinal), encoder.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FeatureMaps_AreThePatchTokensOfTheTappedLayersOnTheirGrid_TheLastAfterTheFinalLayerNorm()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var encoder = new ViTEncoder(TinyVitFolder.Config);
        encoder.eval();
        using var noGrad = no_grad();
        var pixels = randn(2, 3, 32, 32);

        var maps = encoder.FeatureMaps(pixels);

        // Two layers: the taps are layer 0 (halfway) and layer 1 (the end); 32 / 8 = 4 patches a side.
        Assert.Equal(new[] { 32, 32 }, encoder.FeatureMapChannels);
        Assert.All(maps, m => Assert.Equal(new long[] { 2, 32, 4, 4 }, m.shape));
        var normalized = encoder.Encode(pixels).Normalized;
        // Patch (row 1, column 2) is token 1 + 1·4 + 2 after the class token.
        ModelState.AssertClose(normalized.select(1, 1 + 4 + 2), maps[1].select(3, 2).select(2, 1), 1e-6, "the last map is the normalised patch tokens");
        Assert.True(ModelState.MaxAbsDifference(maps[0], maps[1]) > 1e-3, "the first map is an earlier layer's");
    }

    [Fact]
    public void ImageClassifier_StateDictKeys_AreViTForImageClassificationsCheckpointKeys()
    {
        using var classifier = ViTArchitecture.Instance.CreateImageClassifier(new ViTEncoder(TinyVitFolder.Config), classCount: 3);
        var expected = HuggingFaceViTKeys(layers: 2).Select(k => "vit." + k).Concat(new[] { "classifier.weight", "classifier.bias" });

        Assert.Equal(expected.Order(StringComparer.Ordinal), classifier.state_dict().Keys.Order(StringComparer.Ordinal));
        Assert.Equal("classifier", classifier.HeadName);
        Assert.Equal(new long[] { 3, 32 }, classifier.state_dict()["classifier.weight"].shape);
    }

    [Fact]
    public void QkvBiasFalse_LeavesOutTheProjectionBiases()
    {
        using var encoder = new ViTEncoder(TinyVitFolder.Config with { QkvBias = false });

        var keys = encoder.state_dict().Keys.ToHashSet();
        Assert.DoesNotContain("encoder.layer.0.attention.attention.query.bias", keys);
        Assert.DoesNotContain("encoder.layer.1.attention.attention.value.bias", keys);
        Assert.Contains("encoder.layer.0.attention.output.dense.bias", keys);
    }

    [Fact]
    public void Encode_EqualsHuggingFacesDefinitionWrittenOutFromTheWeights()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var encoder = new ViTEncoder(TinyVitFolder.Config);
        encoder.eval();
        var pixels = randn(2, 3, 32, 32);

        using var noGrad = no_grad();
        var states = encoder.Encode(pixels);
        var (last, normalized) = Reference(encoder.state_dict(), pixels, layers: 2, heads: 4, patch: 8);

        ModelState.AssertClose(last, states.LastHidden, 1e-5, "hidden states before the final LayerNorm");
        ModelState.AssertClose(normalized, states.Normalized, 1e-5, "hidden states after the final LayerNorm");
        ModelState.AssertClose(states.Normalized.select(1, 0), encoder.call(pixels), 0, "the features: the final-LayerNorm class token");
    }

    [Fact]
    public void Forward_EachImageOfABatch_GetsItsOwnFeatures()
    {
        using var scope = NewDisposeScope();
        using var encoder = new ViTEncoder(TinyVitFolder.Config);
        encoder.eval();
        var pixels = randn(3, 3, 32, 32);

        using var noGrad = no_grad();
        var batch = encoder.call(pixels);

        ModelState.AssertClose(encoder.call(pixels.narrow(0, 1, 1)), batch.narrow(0, 1, 1), 1e-5, "the second image alone");
    }

    [Theory]
    [InlineData(3, 64, 64)]
    [InlineData(3, 32, 24)]
    [InlineData(1, 32, 32)]
    public void Forward_OtherImageSizeOrChannels_IsRefusedNamingTheExpectedSize(int channels, int height, int width)
    {
        using var scope = NewDisposeScope();
        using var encoder = new ViTEncoder(TinyVitFolder.Config);

        var error = Assert.Throws<ArgumentException>(() => encoder.call(zeros(1, channels, height, width)));

        Assert.Contains("[N, 3, 32, 32]", error.Message);
        Assert.Contains($"[1, {channels}, {height}, {width}]", error.Message);
        Assert.Contains("32 x 32", error.Message);
    }

    [Fact]
    public void FromJson_FieldsAFileOmits_TakeViTConfigsDefaults()
    {
        var config = ViTConfig.FromJson(new JsonObject { ["model_type"] = "vit" }, "config.json");

        Assert.Equal(new ViTConfig(768, 12, 12, 3072, "gelu", 1e-12, 224, 16, 3, true, 0.0, 0.0), config);
        Assert.Equal(197, ViTArchitecture.Instance.ReadShape(new JsonObject(), "config.json").MaxSequenceLength);
    }

    [Fact]
    public void FromJson_IgnoredFieldsAndSquarePairs_AreAccepted()
    {
        var json = TinyVitFolder.Config.ToJson();
        json["encoder_stride"] = 16;
        json["pooler_output_size"] = 32;
        json["pooler_act"] = "tanh";
        json["image_size"] = new JsonArray(32, 32);
        json["patch_size"] = new JsonArray(8, 8);

        Assert.Equal(TinyVitFolder.Config, ViTConfig.FromJson(json, "config.json"));
    }

    [Theory]
    [InlineData("hidden_act", "\"selu\"", "`hidden_act` \"selu\" is not supported")]
    [InlineData("image_size", "30", "`image_size` (30) must be a multiple of `patch_size` (8)")]
    [InlineData("patch_size", "[8, 4]", "`patch_size` [8, 4] is not square")]
    [InlineData("image_size", "[32]", "`image_size` must be an integer or a [height, width] pair")]
    [InlineData("num_attention_heads", "5", "`hidden_size` (32) must be a multiple of `num_attention_heads` (5)")]
    [InlineData("hidden_size", "\"32\"", "`hidden_size` must be an integer")]
    [InlineData("num_hidden_layers", "0", "`num_hidden_layers` must be positive")]
    [InlineData("qkv_bias", "1", "`qkv_bias` must be true or false")]
    [InlineData("layer_norm_eps", "0", "`layer_norm_eps` must be positive")]
    [InlineData("hidden_dropout_prob", "1.5", "`hidden_dropout_prob` must be in [0, 1)")]
    public void FromJson_BadField_NamesTheFileAndTheField(string field, string value, string expected)
    {
        var json = TinyVitFolder.Config.ToJson();
        json[field] = JsonNode.Parse(value);

        var error = Assert.Throws<InvalidDataException>(() => ViTConfig.FromJson(json, "folder/config.json"));

        Assert.Contains("'folder/config.json'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Architecture_IsRegisteredByTheVisionAssembly_WithViTsNamesAndDefaults()
    {
        Assert.Contains(ViTArchitecture.Instance, BuiltInVisionBackbones.Architectures);
        Assert.Same(ViTArchitecture.Instance, BackboneRegistry.Get("vit", "config.json"));

        var architecture = ViTArchitecture.Instance;
        Assert.Equal(new[] { "vit." }, architecture.CheckpointPrefixes);
        Assert.Equal(new[] { "query", "value" }, architecture.DefaultTargetModules);
        Assert.Equal(new[] { "classifier" }, architecture.ImageClassifierHeadModules);
        Assert.Equal("ViTForImageClassification", architecture.ImageClassifierClassName);
        var processor = architecture.DefaultProcessorConfig;
        Assert.Equal<int?>(224, processor.ResizeHeight);
        Assert.Equal<int?>(224, processor.ResizeWidth);
        Assert.Equal(ImageProcessorConfig.Bilinear, processor.Resample);
        Assert.Null(processor.ShortestEdge);
        Assert.Null(processor.CropHeight);
        Assert.Equal(1 / 255.0, processor.RescaleFactor);
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, processor.Mean);
        Assert.Equal(new[] { 0.5, 0.5, 0.5 }, processor.Std);
    }

    [Theory]
    [InlineData("")]
    [InlineData("vit.")]
    public void FromDirectory_TinyVitFolder_OpensAsAVisionBackboneWithIdenticalWeights(string checkpointPrefix)
    {
        string folder = TinyVitFolder.Write(Path.Combine(_directory, "vit" + checkpointPrefix), seed: 11, checkpointPrefix);

        var model = PretrainedModel.FromDirectory(folder);

        Assert.Equal("vit", model.ModelType);
        Assert.Equal("vision", model.Modality);
        Assert.Equal(32, model.HiddenSize);
        Assert.Equal(2, model.LayerCount);
        Assert.Equal(17, model.MaxSequenceLength);
        var vision = model.AsVision("test");
        using var scope = NewDisposeScope();
        using var encoder = vision.CreateEncoder();
        Assert.IsType<ViTEncoder>(encoder);
        Assert.Equal(32, encoder.ImageSize);
        Assert.Equal(32, encoder.FeatureSize);
        manual_seed(11);
        using var fresh = new ViTEncoder(TinyVitFolder.Config);
        var expected = fresh.state_dict();
        foreach (var (name, tensor) in encoder.state_dict())
        {
            Assert.True(ModelState.Identical(expected[name], tensor), $"'{name}' differs from the written weights");
        }

        var processor = vision.CreateProcessor();
        Assert.Equal((32, 32), (processor.OutputHeight, processor.OutputWidth));
        var pixels = processor.Process(new[] { new RgbImage(40, 20, Enumerable.Repeat((byte)255, 40 * 20 * 3).ToArray()) });
        Assert.Equal(new long[] { 1, 3, 32, 32 }, pixels.shape);
        Assert.Equal(1.0f, pixels.max().item<float>(), 5);
    }

    [Fact]
    public void FromDirectory_WithoutPreprocessorConfig_ProcessesAsViTImageProcessorsDefaults()
    {
        string folder = TinyVitFolder.Write(Path.Combine(_directory, "no-processor"), writeProcessor: false);

        var processor = PretrainedModel.FromDirectory(folder).AsVision("test").CreateProcessor();

        Assert.Equal(ViTArchitecture.Instance.DefaultProcessorConfig, processor.Config);
        Assert.Equal((224, 224), (processor.OutputHeight, processor.OutputWidth));
    }

    [Fact]
    public void TryLoadImageClassifierHead_BackboneCheckpoint_LeavesTheNewHead_TaskCheckpoint_LoadsIt()
    {
        using var scope = NewDisposeScope();
        string folder = TinyVitFolder.Write(Path.Combine(_directory, "backbone-only"), checkpointPrefix: "vit.");
        var vision = PretrainedModel.FromDirectory(folder).AsVision("test");
        using var classifier = vision.Architecture.CreateImageClassifier(vision.CreateEncoder(), classCount: 3);

        Assert.False(vision.TryLoadImageClassifierHead(classifier));

        // The same folder with a ViTForImageClassification head added.
        var weights = SafeTensorsFile.Read(Path.Combine(folder, "model.safetensors"));
        weights["classifier.weight"] = full(3, 32, 0.25f);
        weights["classifier.bias"] = tensor(new[] { 1f, 2f, 3f });
        SafeTensorsFile.Write(Path.Combine(folder, "model.safetensors"), weights, metadata: null);
        vision = PretrainedModel.FromDirectory(folder).AsVision("test");

        Assert.True(vision.TryLoadImageClassifierHead(classifier));
        Assert.True(ModelState.Identical(weights["classifier.bias"], classifier.state_dict()["classifier.bias"]));
    }

    // Hugging Face's ViTModel(config, add_pooling_layer=False).state_dict() keys, as transformers writes them to model.safetensors.
    internal static IEnumerable<string> HuggingFaceViTKeys(int layers) =>
        new[]
        {
            "embeddings.cls_token", "embeddings.position_embeddings",
            "embeddings.patch_embeddings.projection.weight", "embeddings.patch_embeddings.projection.bias",
            "layernorm.weight", "layernorm.bias",
        }
        .Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
        {
            "attention.attention.query", "attention.attention.key", "attention.attention.value", "attention.output.dense",
            "intermediate.dense", "output.dense", "layernorm_before", "layernorm_after",
        }.SelectMany(m => new[] { $"encoder.layer.{i}.{m}.weight", $"encoder.layer.{i}.{m}.bias" })));

    // modeling_vit.py in eval mode, step by step, with functional operations on the state dict.
    private static (Tensor Last, Tensor Normalized) Reference(Dictionary<string, Tensor> w, Tensor pixels, int layers, int heads, int patch)
    {
        Tensor Linear(Tensor x, string name) => nn.functional.linear(x, w[name + ".weight"], w[name + ".bias"]);
        Tensor Norm(Tensor x, string name) => nn.functional.layer_norm(x, new long[] { x.shape[2] }, w[name + ".weight"], w[name + ".bias"], 1e-12);

        long batch = pixels.shape[0];
        var patches = nn.functional.conv2d(pixels, w["embeddings.patch_embeddings.projection.weight"], w["embeddings.patch_embeddings.projection.bias"], strides: new long[] { patch, patch });
        patches = patches.flatten(2).transpose(1, 2);
        long dim = patches.shape[2], perHead = dim / heads;
        var x = cat(new[] { w["embeddings.cls_token"].expand(batch, 1, dim), patches }, 1) + w["embeddings.position_embeddings"];
        for (int i = 0; i < layers; i++)
        {
            string layer = $"encoder.layer.{i}";
            Tensor Shape(Tensor t) => t.view(batch, -1, heads, perHead).transpose(1, 2);
            var h = Norm(x, layer + ".layernorm_before");
            var scores = Shape(Linear(h, layer + ".attention.attention.query")).matmul(Shape(Linear(h, layer + ".attention.attention.key")).transpose(2, 3)) / Math.Sqrt(perHead);
            var context = scores.softmax(-1).matmul(Shape(Linear(h, layer + ".attention.attention.value"))).transpose(1, 2).reshape(batch, -1, dim);
            x = Linear(context, layer + ".attention.output.dense") + x;
            var inner = nn.functional.gelu(Linear(Norm(x, layer + ".layernorm_after"), layer + ".intermediate.dense"));
            x = Linear(inner, layer + ".output.dense") + x;
        }

        return (x, Norm(x, "layernorm"));
    }
}
