// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Adapters;

public sealed class AdapterConfigJsonTests : IDisposable
{
    private const string Source = "test-adapter_config.json";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-config-" + Guid.NewGuid().ToString("N"));

    public AdapterConfigJsonTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SharedFixtureFact("peft-adapters/bert-base-uncased-seqcls-lora/adapter_config.json")]
    public void AdapterConfigJson_ReadBertFixture_ParsesLoraFields()
    {
        var config = ReadFixture("bert-base-uncased-seqcls-lora");

        AssertLora(config, rank: 8, alpha: 32, dropout: 0.0, useDora: false, new[] { "query", "value" }, new[] { "classifier", "score" });
        Assert.Equal("bert-base-uncased", config.BaseModelNameOrPath);
        Assert.Equal("SEQ_CLS", config.TaskType);
        Assert.True(config.InferenceMode);
        Assert.Equal(
            new[] { "auto_mapping", "corda_config", "eva_config", "fan_in_fan_out", "layer_replication", "loftq_config", "megatron_config", "megatron_core", "qalora_group_size", "trainable_token_indices", "use_qalora" },
            config.AdditionalProperties.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("megatron.core", config.AdditionalProperties["megatron_core"]!.GetValue<string>());
    }

    [SharedFixtureFact("peft-adapters/distilbert-emotion-lora/adapter_config.json")]
    public void AdapterConfigJson_ReadEmotionFixture_KeepsDuplicatesAndUnknownFields()
    {
        var config = ReadFixture("distilbert-emotion-lora");

        AssertLora(config, rank: 8, alpha: 16, dropout: 0.1, useDora: false, new[] { "q_lin", "v_lin" }, new[] { "pre_classifier", "classifier", "classifier", "score" });
        foreach (string unknown in new[] { "monteclora_config", "use_bdlora", "arrow_config", "peft_version", "lora_ga_config", "ensure_weight_tying", "target_parameters" })
        {
            Assert.True(config.AdditionalProperties.ContainsKey(unknown), unknown);
        }

        Assert.Equal("0.20.0", config.AdditionalProperties["peft_version"]!.GetValue<string>());
        Assert.DoesNotContain("r", config.AdditionalProperties.Keys);
        Assert.DoesNotContain("peft_type", config.AdditionalProperties.Keys);
        Assert.DoesNotContain("modules_to_save", config.AdditionalProperties.Keys);
    }

    [SharedFixtureFact("peft-adapters/distilbert-imdb-lora/adapter_config.json")]
    public void AdapterConfigJson_ReadImdbFixture_KeepsTargetOrder()
    {
        var config = ReadFixture("distilbert-imdb-lora");

        AssertLora(config, rank: 8, alpha: 16, dropout: 0.1, useDora: false, new[] { "v_lin", "q_lin" }, new[] { "classifier", "score" });
        Assert.Equal("distilbert-base-uncased", config.BaseModelNameOrPath);
    }

    [SharedFixtureFact("peft-adapters/configs-only/xlmr-dora-seqcls/adapter_config.json")]
    public void AdapterConfigJson_ReadDoraFixture_SetsUseDora()
    {
        var config = ReadFixture("configs-only", "xlmr-dora-seqcls");

        AssertLora(config, rank: 8, alpha: 16, dropout: 0.1, useDora: true, new[] { "query", "value" }, new[] { "classifier", "classifier", "score" });
        Assert.Equal("xlm-roberta-base", config.BaseModelNameOrPath);
        Assert.Equal("0.19.1", config.AdditionalProperties["peft_version"]!.GetValue<string>());
    }

    [SharedFixtureTheory("peft-adapters")]
    [InlineData("bert-base-uncased-seqcls-lora")]
    [InlineData("distilbert-emotion-lora")]
    [InlineData("distilbert-imdb-lora")]
    [InlineData("configs-only/xlmr-dora-seqcls")]
    [InlineData("configs-only/xlmr-ia3-seqcls")]
    public void AdapterConfigJson_ToJson_RealFixture_RoundTripsExactly(string adapter)
    {
        string path = SharedFixtures.Path([.. ("peft-adapters/" + adapter).Split('/'), "adapter_config.json"]);
        var original = JsonNode.Parse(File.ReadAllText(path))!.AsObject();

        var written = AdapterConfigJson.ToJson(AdapterConfigJson.Read(path));

        Assert.True(JsonNode.DeepEquals(original, written), written.ToJsonString());
        Assert.Equal(original.Select(p => p.Key), written.Select(p => p.Key));
        Assert.Equal(original.ToJsonString(), written.ToJsonString());
    }

    [SharedFixtureTheory("peft-adapters")]
    [InlineData("bert-base-uncased-seqcls-lora")]
    [InlineData("distilbert-emotion-lora")]
    [InlineData("distilbert-imdb-lora")]
    [InlineData("configs-only/xlmr-dora-seqcls")]
    [InlineData("configs-only/xlmr-ia3-seqcls")]
    public void AdapterConfigJson_Write_RealFixture_ReproducesPeftText(string adapter)
    {
        string path = SharedFixtures.Path([.. ("peft-adapters/" + adapter).Split('/'), "adapter_config.json"]);
        string copy = Path.Combine(_directory, "adapter_config.json");

        AdapterConfigJson.Write(AdapterConfigJson.Read(path), copy);

        // PEFT writes json.dumps(indent=2, sort_keys=True); one fixture was committed from Windows with CRLF.
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), File.ReadAllText(copy));
    }

    [SharedFixtureFact("peft-adapters/configs-only/xlmr-ia3-seqcls/adapter_config.json")]
    public void AdapterConfigJson_ReadIa3Fixture_ParsesIa3Fields()
    {
        string path = SharedFixtures.Path("peft-adapters", "configs-only", "xlmr-ia3-seqcls", "adapter_config.json");
        var config = Assert.IsType<IA3Config>(AdapterConfigJson.Read(path));

        Assert.Equal(ModuleSelector.FromNames("output.dense", "key", "value"), config.TargetModules);
        Assert.Equal(ModuleSelector.FromNames("output.dense"), config.FeedforwardModules);
        Assert.True(config.InitializeWeights);
        Assert.True(config.InferenceMode);
        Assert.Equal(new[] { "classifier", "classifier", "score" }, config.ModulesToSave);
        Assert.Equal("SEQ_CLS", config.TaskType);
        Assert.Equal("xlm-roberta-base", config.BaseModelNameOrPath);
    }

    [Fact]
    public void AdapterConfigJson_UnknownPeftType_ThrowsInvalidDataNamingIt()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Parse(Minimal(("peft_type", "NOT_A_METHOD"))));
        Assert.Contains("NOT_A_METHOD", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Source, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_MissingPeftType_ThrowsInvalidData()
    {
        var document = Minimal();
        document.Remove("peft_type");
        var ex = Assert.Throws<InvalidDataException>(() => Parse(document));
        Assert.Contains("peft_type", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_RankNotANumber_ThrowsInvalidDataNamingR()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Parse(Minimal(("r", "eight"))));
        Assert.Contains("`r`", ex.Message, StringComparison.Ordinal);
        Assert.Contains("eight", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_RankZero_ThrowsInvalidDataMentioningRank()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Parse(Minimal(("r", 0))));
        Assert.Contains("Rank", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Source, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_InvalidJsonFile_ThrowsInvalidDataNamingFile()
    {
        string path = Path.Combine(_directory, "adapter_config.json");
        File.WriteAllText(path, "{\"peft_type\": \"LORA\", \"r\": ");
        var ex = Assert.Throws<InvalidDataException>(() => AdapterConfigJson.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_MissingFile_ThrowsFileNotFound() =>
        Assert.Throws<FileNotFoundException>(() => AdapterConfigJson.Read(Path.Combine(_directory, "absent.json")));

    [Fact]
    public void AdapterConfigJson_UseQalora_ThrowsNotSupportedNamingField()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Parse(Minimal(("use_qalora", true))));
        Assert.Contains("use_qalora", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Source, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_EvaInitialization_ThrowsNotSupported()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Parse(Minimal(("init_lora_weights", "eva"))));
        Assert.Contains("eva", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AdapterConfigJson_PissaIterations_ParsesAndWritesBack()
    {
        var config = Assert.IsType<LoraConfig>(Parse(Minimal(("init_lora_weights", "pissa_niter_4"))));
        Assert.Equal(LoraInitialization.PiSSA, config.Initialization);
        Assert.Equal(4, config.PissaIterations);

        var fresh = new LoraConfig { TargetModules = ModuleSelector.FromNames("q"), Initialization = LoraInitialization.PiSSA, PissaIterations = 4 };
        Assert.Equal("pissa_niter_4", AdapterConfigJson.ToJson(fresh)["init_lora_weights"]!.GetValue<string>());
        Assert.Equal("pissa_niter_4", AdapterConfigJson.ToJson(config)["init_lora_weights"]!.GetValue<string>());
    }

    [Fact]
    public void AdapterConfigJson_ToJson_CodeConfig_WritesPeftFieldsSorted()
    {
        var config = new LoraConfig { Rank = 4, Alpha = 16, Dropout = 0.1, TargetModules = ModuleSelector.FromNames("q", "v"), UseRsLora = true };

        var json = AdapterConfigJson.ToJson(config);

        Assert.Equal("4", json["r"]!.ToJsonString());
        Assert.Equal("16", json["lora_alpha"]!.ToJsonString());
        Assert.Equal("0.1", json["lora_dropout"]!.ToJsonString());
        Assert.Equal("\"LORA\"", json["peft_type"]!.ToJsonString());
        Assert.Equal("[\"q\",\"v\"]", json["target_modules"]!.ToJsonString());
        Assert.Equal("true", json["use_rslora"]!.ToJsonString());
        Assert.Equal("true", json["init_lora_weights"]!.ToJsonString());
        Assert.Equal(json.Select(p => p.Key).Order(StringComparer.Ordinal), json.Select(p => p.Key));

        var parsed = Assert.IsType<LoraConfig>(AdapterConfigJson.Parse(json, Source));
        Assert.Equal(4, parsed.Rank);
        Assert.Equal(16, parsed.Alpha);
        Assert.Equal(0.1, parsed.Dropout);
        Assert.True(parsed.UseRsLora);
        Assert.Equal(config.TargetModules, parsed.TargetModules);
        Assert.Equal(config.Initialization, parsed.Initialization);
    }

    [Fact]
    public void AdapterConfigJson_ToJson_ZeroDropout_IsWrittenAsPythonFloat()
    {
        var json = AdapterConfigJson.ToJson(new LoraConfig { TargetModules = ModuleSelector.FromNames("q"), Dropout = 0 });
        Assert.Equal("0.0", json["lora_dropout"]!.ToJsonString());
    }

    [Fact]
    public void AdapterConfigJson_ToJson_AfterParseAndEdit_KeepsUnchangedFieldsVerbatim()
    {
        var document = Minimal(("lora_dropout", JsonNode.Parse("0.0")), ("custom_field", "kept"));
        var config = Assert.IsType<LoraConfig>(Parse(document));
        config.Rank = 16;

        var json = AdapterConfigJson.ToJson(config);

        Assert.Equal("16", json["r"]!.ToJsonString());
        Assert.Equal("0.0", json["lora_dropout"]!.ToJsonString());
        Assert.Equal("kept", json["custom_field"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(".*\\.(query|value)", ModuleSelectorKind.Regex)]
    [InlineData("all-linear", ModuleSelectorKind.AllLinear)]
    public void AdapterConfigJson_StringTargetModules_ParsesSelectorKind(string targets, ModuleSelectorKind kind)
    {
        var config = Parse(Minimal(("target_modules", targets)));
        Assert.Equal(kind, config.TargetModules!.Kind);
        Assert.Equal(targets, config.TargetModules.ToString());
    }

    [Fact]
    public void AdapterConfigJson_WriteThenRead_RoundTripsThroughFileWithoutTempFiles()
    {
        string path = Path.Combine(_directory, "adapter_config.json");
        var config = new LoraConfig
        {
            Rank = 12, Alpha = 24, Dropout = 0.05, UseDora = true, TaskType = "SEQ_CLS",
            TargetModules = ModuleSelector.FromNames("query", "value"), ModulesToSave = new[] { "classifier", "classifier" },
        };

        AdapterConfigJson.Write(config, path);
        var read = Assert.IsType<LoraConfig>(AdapterConfigJson.Read(path));

        Assert.Equal(new[] { path }, Directory.GetFiles(_directory));
        Assert.Equal((12, 24.0, 0.05, true, "SEQ_CLS"), (read.Rank, read.Alpha, read.Dropout, read.UseDora, read.TaskType));
        Assert.Equal(config.TargetModules, read.TargetModules);
        Assert.Equal(config.ModulesToSave, read.ModulesToSave);
        Assert.True(JsonNode.DeepEquals(AdapterConfigJson.ToJson(config), JsonNode.Parse(File.ReadAllText(path))));
    }

    private static PeftConfig Parse(JsonObject document) => AdapterConfigJson.Parse(document, Source);

    private static JsonObject Minimal(params (string Key, JsonNode? Value)[] overrides)
    {
        var document = new JsonObject { ["peft_type"] = "LORA", ["r"] = 8, ["lora_alpha"] = 16, ["target_modules"] = new JsonArray("q", "v") };
        foreach (var (key, value) in overrides)
        {
            document[key] = value;
        }

        // Parsed from text, as a real adapter_config.json is.
        return JsonNode.Parse(document.ToJsonString())!.AsObject();
    }

    private static LoraConfig ReadFixture(params string[] directory) =>
        Assert.IsType<LoraConfig>(AdapterConfigJson.Read(SharedFixtures.Path([.. (new[] { "peft-adapters" }), .. directory, "adapter_config.json"])));

    private static void AssertLora(LoraConfig config, int rank, double alpha, double dropout, bool useDora, string[] targets, string[] modulesToSave)
    {
        Assert.Equal(rank, config.Rank);
        Assert.Equal(alpha, config.Alpha);
        Assert.Equal(dropout, config.Dropout);
        Assert.Equal(useDora, config.UseDora);
        Assert.False(config.UseRsLora);
        Assert.Equal(ModuleSelectorKind.Names, config.TargetModules!.Kind);
        Assert.Equal(targets, config.TargetModules.Names);
        Assert.Equal(modulesToSave, config.ModulesToSave);
        Assert.Equal(LoraInitialization.Default, config.Initialization);
        Assert.Equal(LoraBiasMode.None, config.Bias);
    }
}
