// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Bert;

/// <summary>BertForMaskedLM: Hugging Face's key names, the tied decoder, the head's computation and initialisation, and loading the head.</summary>
public sealed class BertForMaskedLMTests : IDisposable
{
    private static readonly BertConfig s_tiny = new(50, 16, 2, 4, 32, 24, 2, 1e-12, 0.1, 0.1, "gelu", 0);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-bert-mlm-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void StateDictKeys_WithoutPooler_AreHuggingFacesSavedBertForMaskedLMKeys()
    {
        using var model = new BertForMaskedLM(new BertModel(s_tiny, addPoolingLayer: false));

        // BertForMaskedLM(config).state_dict() for 2 layers, less the tied aliases cls.predictions.decoder.{weight,bias}
        // that save_pretrained leaves out (_tied_weights_keys).
        var expected = new List<string>
        {
            "bert.embeddings.word_embeddings.weight",
            "bert.embeddings.position_embeddings.weight",
            "bert.embeddings.token_type_embeddings.weight",
            "bert.embeddings.LayerNorm.weight",
            "bert.embeddings.LayerNorm.bias",
        };
        foreach (int layer in new[] { 0, 1 })
        {
            foreach (string module in new[]
            {
                "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                "intermediate.dense", "output.dense", "output.LayerNorm",
            })
            {
                expected.Add($"bert.encoder.layer.{layer}.{module}.weight");
                expected.Add($"bert.encoder.layer.{layer}.{module}.bias");
            }
        }

        expected.AddRange(new[]
        {
            "cls.predictions.bias",
            "cls.predictions.transform.dense.weight",
            "cls.predictions.transform.dense.bias",
            "cls.predictions.transform.LayerNorm.weight",
            "cls.predictions.transform.LayerNorm.bias",
        });
        Assert.Equal(expected.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void StateDictKeys_EncoderWithPooler_AddOnlyThePooler()
    {
        using var model = new BertForMaskedLM(new BertModel(s_tiny));

        var pooler = model.state_dict().Keys.Where(k => k.Contains("pooler", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

        Assert.Equal(new[] { "bert.pooler.dense.bias", "bert.pooler.dense.weight" }, pooler);
        Assert.Equal(5 + (2 * 16) + 5 + 2, model.state_dict().Count);
    }

    [Fact]
    public void DecoderWeight_IsTheWordEmbeddingMatrixItself_SoAChangeToOneShowsInTheOther()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new BertForMaskedLM(new BertModel(s_tiny, addPoolingLayer: false));
        model.eval();
        var embeddings = model.state_dict()["bert.embeddings.word_embeddings.weight"];
        Assert.Equal(embeddings.storage<float>().data_ptr(), model.DecoderWeight.storage<float>().data_ptr());

        // Row 40 is not among the inputs, so only its logit column can change.
        var ids = tensor(new long[] { 2, 7, 8, 9, 3 }).unsqueeze(0);
        using var noGrad = no_grad();
        var before = model.call(ids, zeros_like(ids), ones_like(ids));
        // Not a constant: the transform ends in LayerNorm, whose output sums to 0, so a uniform shift of the row would not show.
        model.DecoderWeight[40].add_(randn(16));
        var after = model.call(ids, zeros_like(ids), ones_like(ids));

        Assert.Equal(embeddings[40].data<float>().ToArray(), model.DecoderWeight[40].data<float>().ToArray());
        Assert.True(ModelState.MaxAbsDifference(before.select(2, 40), after.select(2, 40)) > 1e-3, "the decoder did not see the change to the embedding row");
        ModelState.AssertClose(before.narrow(2, 0, 40), after.narrow(2, 0, 40), 0, "logits of the other tokens");
    }

    [Fact]
    public void DecoderWeight_AfterMovingTheModelToAnotherType_StaysTied()
    {
        using var model = new BertForMaskedLM(new BertModel(s_tiny, addPoolingLayer: false));

        model.to(ScalarType.Float64);

        Assert.Equal(ScalarType.Float64, model.DecoderWeight.dtype);
        Assert.Equal(model.state_dict()["bert.embeddings.word_embeddings.weight"].storage<double>().data_ptr(), model.DecoderWeight.storage<double>().data_ptr());
    }

    [Fact]
    public void Forward_IsLayerNormOfGeluOfDenseTimesTheEmbeddingsPlusBias()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var encoder = new BertModel(s_tiny, addPoolingLayer: false);
        using var model = new BertForMaskedLM(encoder);
        model.eval();
        using var noGrad = no_grad();
        var state = model.state_dict();
        nn.init.normal_(state["cls.predictions.bias"]);
        var ids = tensor(new long[] { 2, 11, 12, 13, 3, 0 }).unsqueeze(0);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).unsqueeze(0);

        var hidden = encoder.call(ids, zeros_like(ids), mask);
        var transformed = nn.functional.layer_norm(
            nn.functional.gelu(nn.functional.linear(hidden, state["cls.predictions.transform.dense.weight"], state["cls.predictions.transform.dense.bias"])),
            new long[] { 16 },
            state["cls.predictions.transform.LayerNorm.weight"],
            state["cls.predictions.transform.LayerNorm.bias"],
            1e-12);
        var expected = transformed.matmul(state["bert.embeddings.word_embeddings.weight"].t()) + state["cls.predictions.bias"];

        var logits = model.call(ids, zeros_like(ids), mask);
        Assert.Equal(new long[] { 1, 6, 50 }, logits.shape);
        ModelState.AssertClose(expected, logits, 1e-5, "logits");
    }

    [Fact]
    public void Head_IsInitialisedAsHuggingFaceDoes()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new BertForMaskedLM(new BertModel(s_tiny with { HiddenSize = 64, NumAttentionHeads = 4 }, addPoolingLayer: false));
        var state = model.state_dict();

        Assert.True(state["cls.predictions.bias"].eq(0).all().item<bool>());
        Assert.True(state["cls.predictions.transform.dense.bias"].eq(0).all().item<bool>());
        Assert.True(state["cls.predictions.transform.LayerNorm.weight"].eq(1).all().item<bool>());
        Assert.True(state["cls.predictions.transform.LayerNorm.bias"].eq(0).all().item<bool>());
        double std = state["cls.predictions.transform.dense.weight"].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
    }

    [Fact]
    public void Loss_IsTheMeanCrossEntropyOverLabelledPositions_AndZeroWithoutAny()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var model = new BertForMaskedLM(new BertModel(s_tiny, addPoolingLayer: false));
        model.eval();
        var ids = tensor(new long[] { 2, 11, 4, 13, 3, 2, 4, 3, 0, 0 }).reshape(2, 5);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }).reshape(2, 5);
        var labels = tensor(new long[] { -100, -100, 12, -100, -100, -100, 17, -100, -100, -100 }).reshape(2, 5);

        var logits = model.call(ids, zeros_like(ids), mask);
        var expected = nn.functional.cross_entropy(logits.reshape(-1, 50), labels.reshape(-1), ignore_index: -100);
        var none = full_like(labels, -100);

        Assert.Equal(expected.item<float>(), model.Loss(ids, zeros_like(ids), mask, labels).item<float>(), 1e-5f);
        var zero = model.Loss(ids, zeros_like(ids), mask, none);
        Assert.Equal(0f, zero.item<float>());
        Assert.True(zero.requires_grad);
    }

    [Fact]
    public void TryLoadMaskedLanguageModelHead_CheckpointWithHead_LoadsIt_WithoutHead_LeavesTheInitialisation()
    {
        string withHead = WriteFolder("with-head", includeHead: true, out var source);
        string withoutHead = WriteFolder("without-head", includeHead: false, out _);
        using var scope = NewDisposeScope();

        var backbone = PretrainedModel.FromDirectory(withHead).AsText("test");
        using var encoder = backbone.CreateEncoder();
        var model = backbone.Architecture.CreateMaskedLanguageModel(encoder);
        Assert.True(backbone.TryLoadMaskedLanguageModelHead(model));
        foreach (var (name, tensor) in model.Head.state_dict())
        {
            Assert.True(ModelState.Identical(source["cls." + name], tensor), $"cls.{name} was not loaded");
        }

        model.Head.Dispose();

        var bare = PretrainedModel.FromDirectory(withoutHead).AsText("test");
        using var bareEncoder = bare.CreateEncoder();
        var fresh = bare.Architecture.CreateMaskedLanguageModel(bareEncoder);
        Assert.False(bare.TryLoadMaskedLanguageModelHead(fresh));
        Assert.True(fresh.Head.state_dict()["predictions.bias"].eq(0).all().item<bool>());
        fresh.Head.Dispose();
        ModelState.Dispose(source);
    }

    [Fact]
    public void TryLoadMaskedLanguageModelHead_PartOfTheHead_NamesTheMissingKey()
    {
        string folder = WriteFolder("partial", includeHead: true, out var source, drop: "cls.predictions.bias");
        ModelState.Dispose(source);
        var backbone = PretrainedModel.FromDirectory(folder).AsText("test");
        using var encoder = backbone.CreateEncoder();
        var model = backbone.Architecture.CreateMaskedLanguageModel(encoder);

        var error = Assert.Throws<InvalidDataException>(() => backbone.TryLoadMaskedLanguageModelHead(model));

        Assert.Contains("predictions.bias", error.Message);
        model.Head.Dispose();
    }

    [Fact]
    public void CreateMaskedLanguageModel_OtherArchitecture_IsRefusedNamingBert()
    {
        using var encoder = new BertModel(s_tiny);

        var error = Assert.Throws<NotSupportedException>(() => RobertaArchitecture.Instance.CreateMaskedLanguageModel(encoder));

        Assert.Contains("\"bert\"", error.Message);
        Assert.Contains("\"roberta\"", error.Message);
    }

    [Fact]
    public void Pool_EncoderWithoutPooler_ExplainsWhy()
    {
        using var scope = NewDisposeScope();
        using var encoder = new BertModel(s_tiny, addPoolingLayer: false);

        Assert.False(encoder.HasPooler);
        Assert.Contains("addPoolingLayer", Assert.Throws<InvalidOperationException>(() => encoder.Pool(zeros(1, 3, 16))).Message);
    }

    // The tiny BERT folder with its weights saved as a BertForMaskedLM checkpoint: keys under bert., and the head with random values.
    private string WriteFolder(string name, bool includeHead, out Dictionary<string, Tensor> state, string? drop = null)
    {
        string folder = TinyBertFolder.Write(Path.Combine(_directory, name));
        var backbone = PretrainedModel.FromDirectory(folder).AsText("test");
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var encoder = backbone.CreateEncoder();
        var model = new BertForMaskedLM((BertModel)encoder);
        using (no_grad())
        {
            foreach (var tensor in model.Head.parameters())
            {
                nn.init.normal_(tensor);
            }
        }

        state = ModelState.Snapshot(model);
        var saved = state.Where(p => p.Key != drop && (includeHead || !p.Key.StartsWith("cls.", StringComparison.Ordinal)));
        SafeTensorsFile.Write(Path.Combine(folder, "model.safetensors"), saved, metadata: null);
        model.Head.Dispose();
        return folder;
    }
}
