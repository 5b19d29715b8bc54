// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.DistilBert;
using Microsoft.ML.Peft.Backbones.Roberta;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Backbones.DistilBert;
using Microsoft.ML.Peft.Tests.Backbones.Roberta;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Backbones;

/// <summary><see cref="PretrainedModel.FromDirectory"/>: errors that name what is wrong, and the real all-MiniLM-L6-v2 folder end to end.</summary>
public sealed class PretrainedModelTests : IDisposable
{
    private const string MiniLm = "all-MiniLM-L6-v2";
    private const string BertAdapter = "bert-base-uncased-seqcls-lora";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-pretrained-" + Guid.NewGuid().ToString("N"));

    public PretrainedModelTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void FromDirectory_MissingFolder_NamesIt()
    {
        string missing = Path.Combine(_directory, "nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => PretrainedModel.FromDirectory(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void FromDirectory_NoConfigJson_NamesTheFile()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("config.json", error.Message);
        Assert.Equal(Path.Combine(_directory, "config.json"), error.FileName);
    }

    [Fact]
    public void FromDirectory_ConfigWithoutModelType_SaysItIsNeededAndListsSupported()
    {
        var config = TinyBertConfig();
        config.Remove("model_type");
        WriteConfig(config);

        var error = Assert.Throws<InvalidDataException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("model_type", error.Message);
        Assert.Contains("config.json", error.Message);
        Assert.Contains("bert", error.Message);
    }

    [Fact]
    public void FromDirectory_UnsupportedModelType_NamesItAndListsSupported()
    {
        var config = TinyBertConfig();
        config["model_type"] = "gpt2";
        WriteConfig(config);

        var error = Assert.Throws<NotSupportedException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("\"gpt2\"", error.Message);
        Assert.Contains("Supported: ", error.Message);
        foreach (string supported in BackboneRegistry.ModelTypes)
        {
            Assert.Contains(supported, error.Message);
        }
    }

    [Fact]
    public void FromDirectory_XlmRoberta_IsRefusedWithTheReason()
    {
        var config = TinyBertConfig();
        config["model_type"] = "xlm-roberta";
        WriteConfig(config);

        var error = Assert.Throws<NotSupportedException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("\"xlm-roberta\"", error.Message);
        Assert.Contains("SentencePiece", error.Message);
        Assert.Contains("Supported: ", error.Message);
        Assert.Contains("roberta", error.Message);
    }

    [Fact]
    public void FromDirectory_OnlyPytorchModelBin_SaysHowToConvert()
    {
        WriteConfig(TinyBertConfig());
        File.WriteAllBytes(Path.Combine(_directory, "pytorch_model.bin"), new byte[] { 0x80, 0x02 });
        WriteVocab();

        var error = Assert.Throws<FileNotFoundException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("safe_serialization=True", error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void FromDirectory_MissingVocabTxt_NamesIt()
    {
        WriteConfig(TinyBertConfig());
        WriteWeights();

        var error = Assert.Throws<FileNotFoundException>(() => PretrainedModel.FromDirectory(_directory));

        Assert.Contains("vocab.txt", error.Message);
        Assert.Equal(Path.Combine(_directory, "vocab.txt"), error.FileName);
    }

    [Theory]
    [InlineData("bert", "")]
    [InlineData("roberta", "")]
    [InlineData("roberta", "roberta.")]
    [InlineData("distilbert", "")]
    [InlineData("distilbert", "distilbert.")]
    public void FromDirectory_TinyFolderWrittenFromAFreshEncoder_ReopensIdenticalWeights(string modelType, string checkpointPrefix)
    {
        using var scope = NewDisposeScope();
        var config = TinyConfig(modelType);
        WriteConfig(config);
        var written = WriteWeights(config, checkpointPrefix);
        foreach (var (name, bytes) in TokenizerFiles(modelType))
        {
            File.WriteAllBytes(Path.Combine(_directory, name), bytes);
        }

        var model = PretrainedModel.FromDirectory(_directory);
        using var encoder = model.CreateEncoder();

        Assert.Equal(modelType, model.ModelType);
        Assert.Equal((16, 2, 24), (model.HiddenSize, model.LayerCount, model.MaxSequenceLength));
        Assert.IsType(modelType switch { "roberta" => typeof(RobertaModel), "distilbert" => typeof(DistilBertModel), _ => typeof(BertModel) }, encoder);
        AssertSameWeights(written, encoder);
        Assert.Equal(modelType == "roberta" ? 0 : 2, model.AsText("test").CreateTokenizer().Encode("lower").InputIds[0]);
    }

    [SharedFixtureFact(MiniLm)]
    public void FromDirectory_MiniLm_ReadsShapeAndReproducesTheGoldenEmbedding()
    {
        using var scope = NewDisposeScope();
        var model = PretrainedModel.FromDirectory(SharedFixtures.Path(MiniLm));

        Assert.Equal("bert", model.ModelType);
        Assert.Equal(384, model.HiddenSize);
        Assert.Equal(6, model.LayerCount);
        Assert.Equal(512, model.MaxSequenceLength);

        var golden = JsonNode.Parse(File.ReadAllText(SharedFixtures.Path(MiniLm, "golden_embeddings.json")))!["sentences"]![0]!;
        var encoded = model.AsText("test").CreateTokenizer().Encode(golden["text"]!.GetValue<string>());
        Assert.Equal(golden["input_ids"]!.AsArray().Select(v => v!.GetValue<long>()), encoded.InputIds);

        using var encoder = model.AsText("test").CreateEncoder();
        var ids = tensor(encoded.InputIds).unsqueeze(0);
        var mask = ones_like(ids);
        using var noGrad = no_grad();
        var embedding = nn.functional.normalize(BertModel.MeanPool(encoder.call(ids, tensor(encoded.TokenTypeIds).unsqueeze(0), mask), mask), p: 2, dim: 1).squeeze(0);
        var expected = tensor(golden["embedding"]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray());
        ModelState.AssertClose(expected, embedding, 2e-5, "embedding of the first golden sentence");
    }

    [SharedFixtureFact(MiniLm)]
    public void SaveAdapter_LoraOnMiniLmSequenceClassifier_WritesPeftsKeys()
    {
        using var scope = NewDisposeScope();
        var pretrained = PretrainedModel.FromDirectory(SharedFixtures.Path(MiniLm)).AsText("test");
        using var model = pretrained.Architecture.CreateSequenceClassifier(pretrained.CreateEncoder(), labelCount: 2);
        Assert.IsType<BertForSequenceClassification>(model);
        using var peft = PeftModel.Create(model, new LoraConfig
        {
            Rank = 8,
            Alpha = 16,
            TargetModules = ModuleSelector.FromNames("query", "value"),
            ModulesToSave = ["classifier"],
        });

        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.ReadHeader(Path.Combine(_directory, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name);
        Assert.Equal(ExpectedBertSequenceClassifierKeys(layers: 6).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    // The same naming as a real adapter written by Python PEFT: the head under its plain name, not under modules_to_save.
    [SharedFixtureFact("peft-adapters/" + BertAdapter)]
    public void RealBertAdapter_Keys_FollowTheNamingSaveAdapterWrites()
    {
        var keys = SafeTensorsFile.ReadHeader(SharedFixtures.Path("peft-adapters", BertAdapter, PeftModel.AdapterWeightsFileName), out _).Select(e => e.Name);

        Assert.Equal(ExpectedBertSequenceClassifierKeys(layers: 12).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> ExpectedBertSequenceClassifierKeys(int layers) => Enumerable.Range(0, layers)
        .SelectMany(i => new[] { "query", "value" }.SelectMany(m => new[] { "lora_A", "lora_B" }
            .Select(l => $"base_model.model.bert.encoder.layer.{i}.attention.self.{m}.{l}.weight")))
        .Append("base_model.model.classifier.weight")
        .Append("base_model.model.classifier.bias");

    private static JsonObject TinyBertConfig() => new()
    {
        ["model_type"] = "bert",
        ["vocab_size"] = 13,
        ["hidden_size"] = 16,
        ["num_hidden_layers"] = 2,
        ["num_attention_heads"] = 4,
        ["intermediate_size"] = 32,
        ["max_position_embeddings"] = 24,
    };

    private static void AssertSameWeights(IReadOnlyDictionary<string, Tensor> expected, nn.Module module)
    {
        var actual = module.state_dict();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, value) in expected)
        {
            Assert.True(value.eq(actual[name]).all().item<bool>(), $"'{name}' differs after reopening");
        }
    }

    private static JsonObject TinyConfig(string modelType) => modelType switch
    {
        "roberta" => RobertaModelTests.TinyConfig(),
        "distilbert" => DistilBertModelTests.TinyConfig(),
        _ => TinyBertConfig(),
    };

    private static Dictionary<string, byte[]> TokenizerFiles(string modelType) => modelType switch
    {
        "roberta" => RobertaTokenizerFactoryTests.Files(),
        _ => DistilBertModelTests.WordPieceFiles(),
    };

    private void WriteConfig(JsonObject config) => File.WriteAllText(Path.Combine(_directory, "config.json"), config.ToJsonString());

    /// <summary>Writes a freshly built encoder's weights as model.safetensors, keys prefixed as in a task checkpoint when asked.</summary>
    private Dictionary<string, Tensor> WriteWeights(JsonObject? config = null, string checkpointPrefix = "")
    {
        config ??= TinyBertConfig();
        manual_seed(11);
        var architecture = (TextArchitecture)BackboneRegistry.Get(config["model_type"]!.GetValue<string>(), "test");
        using var encoder = architecture.CreateEncoder(config, "test");
        var state = encoder.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        SafeTensorsFile.Write(Path.Combine(_directory, "model.safetensors"), state.Select(p => KeyValuePair.Create(checkpointPrefix + p.Key, p.Value)), metadata: null);
        return state;
    }

    private void WriteVocab() => File.WriteAllBytes(Path.Combine(_directory, "vocab.txt"), DistilBertModelTests.WordPieceFiles()["vocab.txt"]);
}
