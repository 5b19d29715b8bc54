// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones.Roberta;

/// <summary>The RoBERTa encoder and classifier: Hugging Face's keys, fairseq positions, padding, the head, PEFT's saved names.</summary>
public sealed class RobertaModelTests : IDisposable
{
    private const long Pad = 1;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-roberta-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>A 2-layer roberta-base-shaped config.json (type_vocab_size 1, pad 1, positions pad + 1 + 24).</summary>
    internal static JsonObject TinyConfig() => new()
    {
        ["model_type"] = "roberta",
        ["vocab_size"] = 23,
        ["hidden_size"] = 16,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["intermediate_size"] = 32,
        ["max_position_embeddings"] = 26,
        ["type_vocab_size"] = 1,
        ["layer_norm_eps"] = 1e-5,
        ["pad_token_id"] = 1,
        ["bos_token_id"] = 0,
        ["eos_token_id"] = 2,
    };

    [Fact]
    public void RobertaModel_StateDictKeys_AreHuggingFacesRobertaModelWithoutPooler()
    {
        using var model = Create();

        Assert.Equal(HuggingFaceRobertaModelKeys(layers: 2).Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RobertaForSequenceClassification_StateDictKeys_AreHuggingFaces()
    {
        using var model = new RobertaForSequenceClassification(Create(), labelCount: 3);
        var expected = HuggingFaceRobertaModelKeys(layers: 2).Select(k => "roberta." + k)
            .Concat(new[] { "classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight", "classifier.out_proj.bias" });

        Assert.Equal(expected.Order(StringComparer.Ordinal), model.state_dict().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PositionIds_PaddedBatch_CountFromPadPlusOneAndKeepPaddingAtPad()
    {
        var ids = tensor(new long[,] { { 0, 5, 6, 7, 2 }, { 0, 8, 2, Pad, Pad } });

        var positions = RobertaEmbeddings.PositionIds(ids, Pad);

        Assert.Equal(new long[] { 2, 3, 4, 5, 6, 2, 3, 4, 1, 1 }, positions.data<long>().ToArray());
    }

    [Fact]
    public void Embeddings_AreLayerNormOfWordsTokenTypesAndFairseqPositions()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        using var embeddings = new RobertaEmbeddings(RobertaArchitecture.ReadConfig(TinyConfig(), "config.json"));
        embeddings.eval();
        var ids = tensor(new long[,] { { 0, 5, 6, 2, Pad } });
        var w = embeddings.state_dict();

        using var noGrad = no_grad();
        var positions = tensor(new long[] { 2, 3, 4, 5, Pad });
        var sum = w["word_embeddings.weight"].index_select(0, ids[0]) + w["token_type_embeddings.weight"][0]
            + w["position_embeddings.weight"].index_select(0, positions);
        var expected = nn.functional.layer_norm(sum, new long[] { 16 }, w["LayerNorm.weight"], w["LayerNorm.bias"], 1e-5).unsqueeze(0);

        ModelState.AssertClose(expected, embeddings.call(ids, zeros_like(ids)), 0, "embeddings");
    }

    [Fact]
    public void Embeddings_PaddingRows_StartAtZero()
    {
        using var scope = NewDisposeScope();
        using var model = Create();
        var state = model.state_dict();

        Assert.Equal(0, state["embeddings.word_embeddings.weight"][Pad].abs().sum().item<float>());
        Assert.Equal(0, state["embeddings.position_embeddings.weight"][Pad].abs().sum().item<float>());
    }

    [Fact]
    public void RobertaModel_PaddedBatch_GivesEachRowItsUnpaddedOutput()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = Create();
        model.eval();
        var longer = new long[] { 0, 5, 6, 7, 8, 2 };
        var shorter = new long[] { 0, 9, 10, 2 };
        var batch = tensor(new long[,] { { 0, 5, 6, 7, 8, 2 }, { 0, 9, 10, 2, Pad, Pad } });
        var mask = batch.ne(Pad).to(ScalarType.Int64);

        using var noGrad = no_grad();
        var together = model.call(batch, zeros_like(batch), mask);

        ModelState.AssertClose(Alone(model, longer), together[0].unsqueeze(0), 1e-5, "longer row");
        ModelState.AssertClose(Alone(model, shorter), together[1].narrow(0, 0, shorter.Length).unsqueeze(0), 1e-5, "real tokens of the padded row");
    }

    [Fact]
    public void ReadShape_RobertaBaseSizes_HoldsTwoFewerTokensThanPositions()
    {
        var config = TinyConfig();
        config["max_position_embeddings"] = 514;
        config.Remove("pad_token_id");

        var shape = RobertaArchitecture.Instance.ReadShape(config, "config.json");

        // Without pad_token_id, RobertaConfig's default 1 applies: positions 0 and 1 are never used.
        Assert.Equal(new EncoderShape(16, 2, 512), shape);
    }

    [Fact]
    public void ReadConfig_PositionsNotBeyondPad_NamesBothFields()
    {
        var config = TinyConfig();
        config["max_position_embeddings"] = 2;

        var error = Assert.Throws<InvalidDataException>(() => RobertaArchitecture.Instance.CreateEncoder(config, "config.json"));

        Assert.Contains("max_position_embeddings", error.Message);
        Assert.Contains("pad_token_id", error.Message);
    }

    [Fact]
    public void SequenceClassifier_Logits_AreTheHeadOverTheStartToken()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = (RobertaForSequenceClassification)RobertaArchitecture.Instance.CreateSequenceClassifier(Create(), labelCount: 3);
        model.eval();
        var ids = tensor(new long[,] { { 0, 5, 6, 2 } });
        var types = zeros_like(ids);
        var mask = ones_like(ids);
        var state = model.state_dict();

        using var noGrad = no_grad();
        var start = model.Encoder.call(ids, types, mask)[.., 0];
        var dense = nn.functional.linear(start, state["classifier.dense.weight"], state["classifier.dense.bias"]).tanh();
        var expected = nn.functional.linear(dense, state["classifier.out_proj.weight"], state["classifier.out_proj.bias"]);

        ModelState.AssertClose(expected, model.call(ids, types, mask), 0, "logits");
    }

    [Fact]
    public void SaveAdapter_DefaultTargetsAndHead_WritesPeftsRobertaKeys()
    {
        using var scope = NewDisposeScope();
        var architecture = RobertaArchitecture.Instance;
        using var model = architecture.CreateSequenceClassifier(Create(), labelCount: 3);
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            TargetModules = ModuleSelector.FromNames(architecture.DefaultTargetModules),
            ModulesToSave = architecture.SequenceClassifierHeadModules,
        });

        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name);
        var expected = Enumerable.Range(0, 2)
            .SelectMany(i => new[] { "query", "value" }.SelectMany(m => new[] { "lora_A", "lora_B" }
                .Select(l => $"base_model.model.roberta.encoder.layer.{i}.attention.self.{m}.{l}.weight")))
            .Concat(new[] { "dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias" }.Select(n => "base_model.model.classifier." + n));
        Assert.Equal(expected.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    // Hugging Face's RobertaModel(config, add_pooling_layer=False).state_dict() keys; position_ids and token_type_ids are
    // non-persistent buffers and not among them.
    private static IEnumerable<string> HuggingFaceRobertaModelKeys(int layers) =>
        new[]
        {
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
            "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        }.Concat(Enumerable.Range(0, layers).SelectMany(i => new[]
        {
            "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
            "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
        }.SelectMany(m => new[] { $"encoder.layer.{i}.{m}.weight", $"encoder.layer.{i}.{m}.bias" })));

    private static RobertaModel Create() => (RobertaModel)RobertaArchitecture.Instance.CreateEncoder(TinyConfig(), "config.json");

    private static Tensor Alone(RobertaModel model, long[] ids)
    {
        var input = tensor(ids).unsqueeze(0);
        return model.call(input, zeros_like(input), ones_like(input));
    }
}
