// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Infrastructure;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Methods.LoHa;

/// <summary>LoHaConfig's validation, its adapter_config.json in PEFT's field names, and the saved adapter's keys.</summary>
public sealed class LoHaConfigTests : IDisposable
{
    // The fields of PEFT's LoHaConfig dataclass (src/peft/tuners/loha/config.py) with those it inherits from
    // LycorisConfig (src/peft/tuners/lycoris_utils.py) and PeftConfig (src/peft/config.py). PeftConfigMixin's
    // auto_mapping and peft_version are bookkeeping PEFT fills in itself; like LoRA here, they are not written.
    private static readonly string[] s_peftFields =
    {
        "r", "alpha", "rank_dropout", "module_dropout", "use_effective_conv2d", "target_modules", "exclude_modules",
        "init_weights", "layers_to_transform", "layers_pattern", "modules_to_save", "rank_pattern", "alpha_pattern",
        "base_model_name_or_path", "revision", "peft_type", "task_type", "inference_mode",
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-loha-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void LoHaConfig_Defaults_ArePefts()
    {
        var config = new LoHaConfig();
        config.Validate();
        Assert.Equal((8, 8.0, 0.0, 0.0, false, true), (config.Rank, config.Alpha, config.RankDropout, config.ModuleDropout, config.UseEffectiveConv2d, config.InitWeights));
    }

    [Fact]
    public void ToJson_WritesExactlyPeftsFieldNamesAndReadsThemBack()
    {
        var config = new LoHaConfig
        {
            Rank = 3,
            Alpha = 7.5,
            RankDropout = 0.25,
            ModuleDropout = 0.1,
            InitWeights = false,
            RankPattern = new Dictionary<string, int> { ["query"] = 2 },
            AlphaPattern = new Dictionary<string, double> { ["value"] = 1.5 },
            TargetModules = ModuleSelector.FromNames("query", "value"),
        };
        var json = AdapterConfigJson.ToJson(config);

        Assert.Equal(s_peftFields.Order(StringComparer.Ordinal), json.Select(p => p.Key));
        Assert.Equal("\"LOHA\"", json["peft_type"]!.ToJsonString());
        Assert.Equal("false", json["init_weights"]!.ToJsonString());
        Assert.Equal("7.5", json["alpha"]!.ToJsonString());

        var parsed = Assert.IsType<LoHaConfig>(AdapterConfigJson.Parse(json, "test"));
        Assert.Equal(
            (config.Rank, config.Alpha, config.RankDropout, config.ModuleDropout, config.InitWeights),
            (parsed.Rank, parsed.Alpha, parsed.RankDropout, parsed.ModuleDropout, parsed.InitWeights));
        Assert.Equal(config.RankPattern, parsed.RankPattern);
        Assert.Equal(config.AlphaPattern, parsed.AlphaPattern);
        Assert.True(JsonNode.DeepEquals(json, AdapterConfigJson.ToJson(config.Clone())));
    }

    [Fact]
    public void Parse_UseEffectiveConv2d_IsReadAndWrittenBack()
    {
        var document = JsonNode.Parse("{\"peft_type\": \"LOHA\", \"target_modules\": [\"q\"], \"use_effective_conv2d\": true}")!.AsObject();
        var config = Assert.IsType<LoHaConfig>(AdapterConfigJson.Parse(document, "cfg.json"));
        Assert.True(config.UseEffectiveConv2d);
        Assert.True(AdapterConfigJson.ToJson(config)["use_effective_conv2d"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("Rank", "`Rank` must be positive, got -1.")]
    [InlineData("RankDropout", "`RankDropout` must be within [0, 1), got 1.")]
    [InlineData("AlphaPattern", "`AlphaPattern` entry 'value' must be a positive finite number, got 0.")]
    public void Validate_BadValue_NamesTheFieldAndTheValue(string field, string message)
    {
        var config = field switch
        {
            "Rank" => new LoHaConfig { Rank = -1 },
            "RankDropout" => new LoHaConfig { RankDropout = 1 },
            _ => new LoHaConfig { AlphaPattern = new Dictionary<string, double> { ["value"] = 0 } },
        };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal(field, ex.ParamName);
        Assert.StartsWith(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveAdapter_WritesPeftsKeys_AndFromPretrainedRestoresTheOutput()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var model = new TinyMlp();
        var original = ModelState.Snapshot(model);
        var config = new LoHaConfig { InitWeights = false, Rank = 2, TargetModules = ModuleSelector.FromNames("lin1") };
        using var peft = PeftModel.Create(model, config);
        model.eval();
        var input = TinyMlp.Input();
        var expected = model.call(input).detach();
        peft.SaveAdapter(_directory);

        var tensors = SafeTensorsFile.Read(Path.Combine(_directory, PeftModel.AdapterWeightsFileName));
        Assert.Equal(
            new[] { "base_model.model.lin1.hada_w1_a", "base_model.model.lin1.hada_w1_b", "base_model.model.lin1.hada_w2_a", "base_model.model.lin1.hada_w2_b" },
            tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 20, 2 }, tensors["base_model.model.lin1.hada_w1_a"].shape);
        Assert.Equal(new long[] { 2, 20 }, tensors["base_model.model.lin1.hada_w2_b"].shape);

        using var fresh = new TinyMlp();
        ModelState.Restore(fresh, original);
        using var loaded = PeftModel.FromPretrained(fresh, _directory);
        fresh.eval();
        ModelState.AssertClose(expected, fresh.call(input), 1e-6, "output after reload");
        ModelState.Dispose(original);
    }
}
