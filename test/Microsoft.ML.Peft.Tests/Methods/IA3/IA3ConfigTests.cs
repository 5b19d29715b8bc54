// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Methods.IA3;

/// <summary>IA3Config: PEFT's fields, validation and JSON round trip.</summary>
public sealed class IA3ConfigTests
{
    // Every field of PEFT's IA3Config dataclass (src/peft/tuners/ia3/config.py) and of its base PeftConfig
    // (src/peft/config.py: PeftConfigMixin and PeftConfig); a written file may hold no other key.
    private static readonly string[] s_peftFields =
    {
        "auto_mapping", "base_model_name_or_path", "exclude_modules", "fan_in_fan_out", "feedforward_modules", "inference_mode",
        "init_ia3_weights", "modules_to_save", "peft_type", "peft_version", "revision", "target_modules", "task_type",
    };

    [Fact]
    public void IA3Config_ToJson_WritesOnlyPeftFieldsSortedWithPeftValues()
    {
        var config = new IA3Config
        {
            TargetModules = ModuleSelector.FromNames("key", "value", "output.dense"),
            FeedforwardModules = ModuleSelector.FromNames("output.dense"),
            ModulesToSave = new[] { "classifier" },
        };

        var json = AdapterConfigJson.ToJson(config);

        Assert.Empty(json.Select(p => p.Key).Except(s_peftFields));
        Assert.Equal(json.Select(p => p.Key).Order(StringComparer.Ordinal), json.Select(p => p.Key));
        Assert.Equal("\"IA3\"", json["peft_type"]!.ToJsonString());
        Assert.Equal("[\"output.dense\"]", json["feedforward_modules"]!.ToJsonString());
        Assert.Equal("false", json["fan_in_fan_out"]!.ToJsonString());
        Assert.Equal("true", json["init_ia3_weights"]!.ToJsonString());
        Assert.False(json.ContainsKey("layers_to_transform"));
    }

    [Fact]
    public void IA3Config_JsonRoundTrip_KeepsEveryField()
    {
        var config = new IA3Config
        {
            TargetModules = ModuleSelector.FromRegex(@".*\.(k|v|wo)"),
            FeedforwardModules = ModuleSelector.FromRegex(@".*\.wo"),
            ExcludeModules = ModuleSelector.FromNames("decoder.wo"),
            InitializeWeights = false,
            InferenceMode = true,
            TaskType = "SEQ_2_SEQ_LM",
        };

        var parsed = Assert.IsType<IA3Config>(AdapterConfigJson.Parse(JsonNode.Parse(AdapterConfigJson.ToJson(config).ToJsonString())!.AsObject(), "ia3.json"));

        Assert.Equal(config.TargetModules, parsed.TargetModules);
        Assert.Equal(config.FeedforwardModules, parsed.FeedforwardModules);
        Assert.Equal(config.ExcludeModules, parsed.ExcludeModules);
        Assert.False(parsed.InitializeWeights);
        Assert.True(parsed.InferenceMode);
        Assert.Equal("SEQ_2_SEQ_LM", parsed.TaskType);
    }

    [Fact]
    public void IA3Config_FanInFanOutTrue_IsRefusedNamingTheField()
    {
        var document = new JsonObject { ["peft_type"] = "IA3", ["target_modules"] = new JsonArray("c_attn"), ["fan_in_fan_out"] = true };

        var ex = Assert.Throws<NotSupportedException>(() => AdapterConfigJson.Parse(document, "gpt2.json"));

        Assert.Contains("fan_in_fan_out", ex.Message, StringComparison.Ordinal);
        Assert.Contains("gpt2.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IA3Config_FeedforwardNotSubsetOfTargets_NamesBothOptionsAndTheMissingModule()
    {
        var config = new IA3Config { TargetModules = ModuleSelector.FromNames("key", "value"), FeedforwardModules = ModuleSelector.FromNames("output.dense") };

        var ex = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal(nameof(IA3Config.FeedforwardModules), ex.ParamName);
        Assert.Contains("must be a subset of `TargetModules`", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[output.dense]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IA3Config_SubsetRule_AppliesOnlyWhenBothAreLists()
    {
        new IA3Config { TargetModules = ModuleSelector.FromRegex(".*(key|dense)"), FeedforwardModules = ModuleSelector.FromNames("output.dense") }.Validate();
        new IA3Config { TargetModules = ModuleSelector.FromNames("key"), FeedforwardModules = ModuleSelector.FromRegex(".*output.dense") }.Validate();
        new IA3Config { TargetModules = ModuleSelector.FromNames("key", "output.dense"), FeedforwardModules = ModuleSelector.FromNames("output.dense") }.Validate();
    }

    [Fact]
    public void IA3Config_LayersToTransformOrAllLinearFeedforward_AreRefused()
    {
        var layers = Assert.Throws<ArgumentException>(new IA3Config { LayersToTransform = new[] { 1 } }.Validate);
        Assert.Contains("not IA3 options in PEFT", layers.Message, StringComparison.Ordinal);

        var allLinear = Assert.Throws<ArgumentException>(new IA3Config { FeedforwardModules = ModuleSelector.AllLinear }.Validate);
        Assert.Equal(nameof(IA3Config.FeedforwardModules), allLinear.ParamName);
    }

    [Fact]
    public void IA3Config_Clone_CopiesTheIa3FieldsAndFrozenSettersThrow()
    {
        var config = new IA3Config
        {
            TargetModules = ModuleSelector.FromNames("k", "wo"),
            FeedforwardModules = ModuleSelector.FromNames("wo"),
            InitializeWeights = false,
        };

        var clone = Assert.IsType<IA3Config>(config.Clone());
        config.Freeze();

        Assert.Equal(config.FeedforwardModules, clone.FeedforwardModules);
        Assert.Equal(config.TargetModules, clone.TargetModules);
        Assert.False(clone.InitializeWeights);
        Assert.Throws<InvalidOperationException>(() => config.FeedforwardModules = null);
        Assert.Throws<InvalidOperationException>(() => config.InitializeWeights = true);
        clone.InitializeWeights = true;
    }
}
