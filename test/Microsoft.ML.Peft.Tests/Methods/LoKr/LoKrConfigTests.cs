// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LoKr;

/// <summary>LoKrConfig's validation, its adapter_config.json in PEFT's field names, and the saved adapter's keys.</summary>
public sealed class LoKrConfigTests : IDisposable
{
    // The fields of PEFT's LoKrConfig dataclass (src/peft/tuners/lokr/config.py) with those it inherits from
    // LycorisConfig (src/peft/tuners/lycoris_utils.py) and PeftConfig (src/peft/config.py). PeftConfigMixin's
    // auto_mapping and peft_version are bookkeeping PEFT fills in itself; like LoRA here, they are not written.
    private static readonly string[] s_peftFields =
    {
        "r", "alpha", "rank_dropout", "module_dropout", "use_effective_conv2d", "decompose_both", "decompose_factor",
        "rank_dropout_scale", "target_modules", "exclude_modules", "init_weights", "layers_to_transform", "layers_pattern",
        "modules_to_save", "rank_pattern", "alpha_pattern", "base_model_name_or_path", "revision", "peft_type", "task_type",
        "inference_mode",
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-lokr-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void LoKrConfig_Defaults_ArePefts()
    {
        var config = new LoKrConfig();
        config.Validate();
        Assert.Equal((8, 8.0, 0.0, 0.0, false, false, -1, false), (config.Rank, config.Alpha, config.RankDropout, config.ModuleDropout, config.UseEffectiveConv2d, config.DecomposeBoth, config.DecomposeFactor, config.RankDropoutScale));
        Assert.Equal(LoKrInitialization.Default, config.Initialization);
        Assert.Empty(config.RankPattern);
        Assert.Empty(config.AlphaPattern);
    }

    [Fact]
    public void ToJson_WritesExactlyPeftsFieldNamesAndReadsThemBack()
    {
        var config = NonDefault();
        var json = AdapterConfigJson.ToJson(config);

        Assert.Equal(s_peftFields.Order(StringComparer.Ordinal), json.Select(p => p.Key));
        Assert.Equal("\"LOKR\"", json["peft_type"]!.ToJsonString());
        Assert.Equal("\"lycoris\"", json["init_weights"]!.ToJsonString());
        Assert.Equal("0.25", json["rank_dropout"]!.ToJsonString());
        Assert.Equal("4", json["decompose_factor"]!.ToJsonString());

        var parsed = Assert.IsType<LoKrConfig>(AdapterConfigJson.Parse(json, "test"));
        Assert.Equal(
            (config.Rank, config.Alpha, config.RankDropout, config.ModuleDropout, config.DecomposeBoth, config.DecomposeFactor, config.RankDropoutScale, config.Initialization),
            (parsed.Rank, parsed.Alpha, parsed.RankDropout, parsed.ModuleDropout, parsed.DecomposeBoth, parsed.DecomposeFactor, parsed.RankDropoutScale, parsed.Initialization));
        Assert.Equal(config.RankPattern, parsed.RankPattern);
        Assert.Equal(config.AlphaPattern, parsed.AlphaPattern);
        Assert.Equal(config.TargetModules, parsed.TargetModules);
    }

    [Theory]
    [InlineData("true", LoKrInitialization.Default)]
    [InlineData("false", LoKrInitialization.Random)]
    [InlineData("\"lycoris\"", LoKrInitialization.Lycoris)]
    public void Parse_InitWeights_ReadsPeftsThreeValues(string value, LoKrInitialization expected)
    {
        var config = Assert.IsType<LoKrConfig>(AdapterConfigJson.Parse(Document($"\"init_weights\": {value}"), "test"));
        Assert.Equal(expected, config.Initialization);
        Assert.Equal(value, AdapterConfigJson.ToJson(config)["init_weights"]!.ToJsonString());
    }

    [Fact]
    public void Parse_UnknownInitWeights_IsRefusedNamingTheField()
    {
        var ex = Assert.Throws<NotSupportedException>(() => AdapterConfigJson.Parse(Document("\"init_weights\": \"gaussian\""), "cfg.json"));
        Assert.Contains("`init_weights`", ex.Message, StringComparison.Ordinal);
        Assert.Contains("lycoris", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UseEffectiveConv2d_IsReadAndWrittenBack()
    {
        var config = Assert.IsType<LoKrConfig>(AdapterConfigJson.Parse(Document("\"use_effective_conv2d\": true"), "cfg.json"));
        Assert.True(config.UseEffectiveConv2d);
        Assert.True(AdapterConfigJson.ToJson(config)["use_effective_conv2d"]!.GetValue<bool>());
        Assert.False(Assert.IsType<LoKrConfig>(AdapterConfigJson.Parse(Document("\"use_effective_conv2d\": false"), "cfg.json")).UseEffectiveConv2d);
    }

    [Theory]
    [InlineData("Rank", "`Rank` must be positive, got 0.")]
    [InlineData("Alpha", "`Alpha` must be a positive finite number, got 0.")]
    [InlineData("RankDropout", "`RankDropout` must be within [0, 1), got 1.")]
    [InlineData("ModuleDropout", "`ModuleDropout` must be within [0, 1), got -0.5.")]
    [InlineData("DecomposeFactor", "`DecomposeFactor` must be -1 (automatic) or positive, got 0.")]
    [InlineData("RankPattern", "`RankPattern` entry 'query' must be positive, got 0.")]
    public void Validate_BadValue_NamesTheFieldAndTheValue(string field, string message)
    {
        var config = field switch
        {
            "Rank" => new LoKrConfig { Rank = 0 },
            "Alpha" => new LoKrConfig { Alpha = 0 },
            "RankDropout" => new LoKrConfig { RankDropout = 1 },
            "ModuleDropout" => new LoKrConfig { ModuleDropout = -0.5 },
            "DecomposeFactor" => new LoKrConfig { DecomposeFactor = 0 },
            _ => new LoKrConfig { RankPattern = new Dictionary<string, int> { ["query"] = 0 } },
        };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal(field, ex.ParamName);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_CopiesEveryLoKrField()
    {
        var original = NonDefault();
        var clone = Assert.IsType<LoKrConfig>(original.Clone());
        Assert.True(JsonNode.DeepEquals(AdapterConfigJson.ToJson(original), AdapterConfigJson.ToJson(clone)));
        original.Freeze();
        Assert.Throws<InvalidOperationException>(() => original.DecomposeFactor = 2);
        clone.DecomposeFactor = 2;
    }

    [Fact]
    public void SaveAdapter_WritesPeftsKeys_AndFromPretrainedRestoresTheOutput()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = new TinyMlp();
        var original = ModelState.Snapshot(model);
        var config = new LoKrConfig
        {
            Rank = 1,
            DecomposeBoth = true,
            Initialization = LoKrInitialization.Random,
            TargetModules = ModuleSelector.FromNames("lin0", "lin1"),
            RankPattern = new Dictionary<string, int> { ["lin1"] = 8 },
        };
        using var peft = PeftModel.Create(model, config);
        model.eval();
        var input = TinyMlp.Input();
        var expected = model.call(input).detach();
        peft.SaveAdapter(_directory);

        var keys = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName)).Keys.Order(StringComparer.Ordinal);
        Assert.Equal(
            new[]
            {
                // lin0 (20×10 → w1 4×2, w2 5×5) at r = 1: both factors decomposed; lin1 at r = 8 (rank_pattern): both full.
                "base_model.model.lin0.lokr_w1_a", "base_model.model.lin0.lokr_w1_b", "base_model.model.lin0.lokr_w2_a", "base_model.model.lin0.lokr_w2_b",
                "base_model.model.lin1.lokr_w1", "base_model.model.lin1.lokr_w2",
            },
            keys);

        using var fresh = new TinyMlp();
        ModelState.Restore(fresh, original);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        fresh.eval();
        ModelState.AssertClose(expected, fresh.call(input), 1e-6, "output after reload");
        Assert.IsType<LoKrConfig>(AdapterConfigJson.Read(Path.Combine(_directory, PeftModel.AdapterConfigFileName)));
        ModelState.Dispose(original);
    }

    private static LoKrConfig NonDefault() => new()
    {
        Rank = 3,
        Alpha = 7.5,
        RankDropout = 0.25,
        ModuleDropout = 0.1,
        DecomposeBoth = true,
        DecomposeFactor = 4,
        RankDropoutScale = true,
        Initialization = LoKrInitialization.Lycoris,
        RankPattern = new Dictionary<string, int> { ["query"] = 2 },
        AlphaPattern = new Dictionary<string, double> { ["value"] = 1.5 },
        TargetModules = ModuleSelector.FromNames("query", "value"),
    };

    private static JsonObject Document(string field) =>
        JsonNode.Parse($"{{\"peft_type\": \"LOKR\", \"r\": 4, \"target_modules\": [\"q\"], {field}}}")!.AsObject();
}
