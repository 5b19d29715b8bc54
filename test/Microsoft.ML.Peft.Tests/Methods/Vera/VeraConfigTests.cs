// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Methods.Vera;

public sealed class VeraConfigTests
{
    // The fields of PEFT's VeraConfig dataclass (src/peft/tuners/vera/config.py) and of its PeftConfig base
    // (src/peft/config.py) at commit 5d602fd.
    internal static readonly string[] PeftVeraFields =
    {
        "r", "target_modules", "projection_prng_key", "save_projection", "vera_dropout", "d_initial", "fan_in_fan_out",
        "bias", "modules_to_save", "init_weights", "layers_to_transform", "layers_pattern",
    };

    internal static readonly string[] PeftBaseFields =
    {
        "task_type", "peft_type", "auto_mapping", "peft_version", "base_model_name_or_path", "revision", "inference_mode",
    };

    [Fact]
    public void Defaults_ArePeftDefaults()
    {
        var config = new VeraConfig();
        config.Validate();
        Assert.Equal((256, 0, true, 0.0, 0.1, true), (config.Rank, config.ProjectionPrngKey, config.SaveProjection, config.Dropout, config.DInitial, config.InitWeights));
    }

    [Theory]
    [InlineData(nameof(VeraConfig.Rank), 0)]
    [InlineData(nameof(VeraConfig.Rank), -3)]
    [InlineData(nameof(VeraConfig.Dropout), 1.0)]
    [InlineData(nameof(VeraConfig.Dropout), -0.1)]
    [InlineData(nameof(VeraConfig.DInitial), double.NaN)]
    public void Validate_BadValue_NamesTheProperty(string property, object value)
    {
        var config = new VeraConfig();
        var info = typeof(VeraConfig).GetProperty(property)!;
        info.SetValue(config, Convert.ChangeType(value, info.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal(property, ex.ParamName);
        Assert.Contains($"`{property}`", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_CopiesEveryProperty_AndFrozenSettersThrow()
    {
        var original = new VeraConfig
        {
            Rank = 8, ProjectionPrngKey = 9, SaveProjection = false, Dropout = 0.2, DInitial = 0.05, InitWeights = false,
            TargetModules = ModuleSelector.FromNames("query"),
        };
        var clone = (VeraConfig)original.Clone();
        var defaults = new VeraConfig();
        foreach (var property in typeof(VeraConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.DeclaringType == typeof(VeraConfig) && p.CanWrite))
        {
            Assert.NotEqual(property.GetValue(defaults), property.GetValue(original));
            Assert.Equal(property.GetValue(original), property.GetValue(clone));
        }

        original.Freeze();
        Assert.Throws<InvalidOperationException>(() => original.DInitial = 1);
        clone.DInitial = 1;
    }

    [Fact]
    public void Json_FieldNames_AreExactlyPeftsAndRoundTrip()
    {
        var config = new VeraConfig
        {
            Rank = 16, ProjectionPrngKey = 4, SaveProjection = false, Dropout = 0.1, DInitial = 0.2, InitWeights = false,
            TargetModules = ModuleSelector.FromNames("query", "value"),
        };
        var json = AdapterConfigJson.ToJson(config);

        foreach (string field in PeftVeraFields)
        {
            Assert.True(json.ContainsKey(field), $"PEFT's field `{field}` is not written");
        }

        // exclude_modules is written by the fields every method shares; PEFT drops unknown fields when it loads a config.
        Assert.Empty(json.Select(p => p.Key).Except(PeftVeraFields).Except(PeftBaseFields).Except(new[] { "exclude_modules" }));
        Assert.Equal("VERA", json["peft_type"]!.GetValue<string>());
        Assert.Equal(4, json["projection_prng_key"]!.GetValue<int>());
        Assert.False(json["save_projection"]!.GetValue<bool>());
        Assert.False(json["fan_in_fan_out"]!.GetValue<bool>());
        Assert.Equal("none", json["bias"]!.GetValue<string>());

        var read = (VeraConfig)AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test");
        Assert.Equal(
            (config.Rank, config.ProjectionPrngKey, config.SaveProjection, config.Dropout, config.DInitial, config.InitWeights),
            (read.Rank, read.ProjectionPrngKey, read.SaveProjection, read.Dropout, read.DInitial, read.InitWeights));
    }
}
