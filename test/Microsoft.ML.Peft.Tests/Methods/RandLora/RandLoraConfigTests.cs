// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Tests.Methods.Vera;

namespace Microsoft.ML.Peft.Tests.Methods.RandLora;

public sealed class RandLoraConfigTests
{
    // The fields of PEFT's RandLoraConfig dataclass (src/peft/tuners/randlora/config.py) at commit 5d602fd.
    private static readonly string[] s_peftRandLoraFields =
    {
        "r", "target_modules", "projection_prng_key", "save_projection", "sparse", "very_sparse", "randlora_dropout",
        "fan_in_fan_out", "randlora_alpha", "bias", "modules_to_save", "init_weights", "layers_to_transform", "layers_pattern",
    };

    [Fact]
    public void Defaults_ArePeftDefaults()
    {
        var config = new RandLoraConfig();
        config.Validate();
        Assert.Equal((32, 0, true, false, false, 0.0, 640.0, true), (config.Rank, config.ProjectionPrngKey, config.SaveProjection, config.Sparse, config.VerySparse, config.Dropout, config.Alpha, config.InitWeights));
    }

    [Theory]
    [InlineData(nameof(RandLoraConfig.Rank), 0)]
    [InlineData(nameof(RandLoraConfig.Dropout), 1.5)]
    [InlineData(nameof(RandLoraConfig.Alpha), double.PositiveInfinity)]
    public void Validate_BadValue_NamesTheProperty(string property, object value)
    {
        var config = new RandLoraConfig();
        var info = typeof(RandLoraConfig).GetProperty(property)!;
        info.SetValue(config, Convert.ChangeType(value, info.PropertyType, System.Globalization.CultureInfo.InvariantCulture));

        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal(property, ex.ParamName);
        Assert.Contains($"`{property}`", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clone_CopiesEveryProperty_AndFrozenSettersThrow()
    {
        var original = new RandLoraConfig
        {
            Rank = 8, ProjectionPrngKey = 9, SaveProjection = false, Sparse = true, VerySparse = true, Dropout = 0.2, Alpha = 16, InitWeights = false,
        };
        var clone = (RandLoraConfig)original.Clone();
        var defaults = new RandLoraConfig();
        foreach (var property in typeof(RandLoraConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.DeclaringType == typeof(RandLoraConfig) && p.CanWrite))
        {
            Assert.NotEqual(property.GetValue(defaults), property.GetValue(original));
            Assert.Equal(property.GetValue(original), property.GetValue(clone));
        }

        original.Freeze();
        Assert.Throws<InvalidOperationException>(() => original.Sparse = false);
        clone.Sparse = false;
    }

    [Fact]
    public void Json_FieldNames_AreExactlyPeftsAndRoundTrip()
    {
        var config = new RandLoraConfig
        {
            Rank = 16, ProjectionPrngKey = 4, SaveProjection = false, Sparse = true, Dropout = 0.1, Alpha = 32, InitWeights = false,
            TargetModules = ModuleSelector.FromNames("query", "value"),
        };
        var json = AdapterConfigJson.ToJson(config);

        foreach (string field in s_peftRandLoraFields)
        {
            Assert.True(json.ContainsKey(field), $"PEFT's field `{field}` is not written");
        }

        // exclude_modules is written by the fields every method shares; PEFT drops unknown fields when it loads a config.
        Assert.Empty(json.Select(p => p.Key).Except(s_peftRandLoraFields).Except(VeraConfigTests.PeftBaseFields).Except(new[] { "exclude_modules" }));
        Assert.Equal("RANDLORA", json["peft_type"]!.GetValue<string>());
        Assert.Equal("32", json["randlora_alpha"]!.ToJsonString());

        var read = (RandLoraConfig)AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test");
        Assert.Equal(
            (config.Rank, config.ProjectionPrngKey, config.SaveProjection, config.Sparse, config.VerySparse, config.Dropout, config.Alpha, config.InitWeights),
            (read.Rank, read.ProjectionPrngKey, read.SaveProjection, read.Sparse, read.VerySparse, read.Dropout, read.Alpha, read.InitWeights));
    }
}
