// Licensed under the MIT license. See LICENSE in the repository root.

using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Tests.Methods.Lora;

public sealed class LoraConfigTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void LoraConfig_Validate_NonPositiveRank_ThrowsForRank(int rank) =>
        AssertOutOfRange(new LoraConfig { Rank = rank }, "Rank");

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LoraConfig_Validate_InvalidAlpha_ThrowsForAlpha(double alpha) =>
        AssertOutOfRange(new LoraConfig { Alpha = alpha }, "Alpha");

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void LoraConfig_Validate_DropoutOutsideUnitInterval_ThrowsForDropout(double dropout) =>
        AssertOutOfRange(new LoraConfig { Dropout = dropout }, "Dropout");

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.999)]
    public void LoraConfig_Validate_DropoutWithinUnitInterval_Passes(double dropout) =>
        new LoraConfig { Dropout = dropout }.Validate();

    [Fact]
    public void LoraConfig_Validate_DefaultConfig_Passes()
    {
        var config = new LoraConfig();
        config.Validate();
        Assert.Equal((8, 8.0, 0.0), (config.Rank, config.Alpha, config.Dropout));
    }

    [Fact]
    public void LoraConfig_Validate_DoraWithLoraBias_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LoraConfig { UseDora = true, UseLoraBias = true }.Validate());
        Assert.Contains("DoRA", ex.Message, StringComparison.Ordinal);
        new LoraConfig { UseDora = true }.Validate();
        new LoraConfig { UseLoraBias = true }.Validate();
    }

    [Fact]
    public void LoraConfig_Validate_PissaIterationsWithoutPissa_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LoraConfig { PissaIterations = 4 }.Validate());
        Assert.Equal("PissaIterations", ex.ParamName);
        new LoraConfig { Initialization = LoraInitialization.PiSSA, PissaIterations = 4 }.Validate();
    }

    [Fact]
    public void LoraConfig_Validate_ZeroRankPatternEntry_Throws()
    {
        var config = new LoraConfig { RankPattern = new Dictionary<string, int> { ["query"] = 4, ["value"] = 0 } };
        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal("RankPattern", ex.ParamName);
        Assert.Contains("value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraConfig_Validate_ZeroAlphaPatternEntry_Throws() =>
        AssertOutOfRange(new LoraConfig { AlphaPattern = new Dictionary<string, double> { ["query"] = 0 } }, "AlphaPattern");

    [Fact]
    public void LoraConfig_Clone_CopiesEveryProperty()
    {
        var original = NonDefaultConfig();
        original.SourceDocument = new JsonObject { ["peft_type"] = "LORA", ["custom"] = 1 };
        var defaults = new LoraConfig();

        var clone = Assert.IsType<LoraConfig>(original.Clone());

        Assert.NotSame(original, clone);
        foreach (var property in SettableProperties())
        {
            object? value = property.GetValue(original);
            Assert.False(SameValue(value, property.GetValue(defaults)), $"the test must give {property.Name} a non-default value");
            Assert.True(SameValue(value, property.GetValue(clone)), $"Clone() did not copy {property.Name}");
        }

        Assert.True(JsonNode.DeepEquals(original.SourceDocument, clone.SourceDocument));
        Assert.NotSame(original.SourceDocument, clone.SourceDocument);
        clone.Rank = 99;
        Assert.Equal(3, original.Rank);
    }

    [Fact]
    public void LoraConfig_Frozen_EverySetterThrowsAndCloneIsMutable()
    {
        var config = NonDefaultConfig();
        config.Freeze();
        var properties = SettableProperties();
        Assert.True(properties.Count >= 20, $"expected every public setter of LoraConfig and PeftConfig, found {properties.Count}");

        foreach (var property in properties)
        {
            object? before = property.GetValue(config);
            var ex = Assert.Throws<TargetInvocationException>(() => property.SetValue(config, before));
            Assert.IsType<InvalidOperationException>(ex.InnerException);
            Assert.Contains(nameof(PeftConfig.Clone), ex.InnerException!.Message, StringComparison.Ordinal);
        }

        var clone = config.Clone();
        Assert.True(config.IsFrozen);
        Assert.False(clone.IsFrozen);
        foreach (var property in properties)
        {
            property.SetValue(clone, property.GetValue(config));
        }

        ((LoraConfig)clone).Rank = 5;
        Assert.Equal(5, ((LoraConfig)clone).Rank);
        Assert.Equal(3, config.Rank);
    }

    private static LoraConfig NonDefaultConfig() => new()
    {
        Rank = 3,
        Alpha = 7.5,
        Dropout = 0.25,
        UseRsLora = true,
        UseDora = true,
        UseLoraBias = true,
        Bias = LoraBiasMode.LoraOnly,
        Initialization = LoraInitialization.PiSSA,
        PissaIterations = 6,
        RankPattern = new Dictionary<string, int> { ["query"] = 2, ["value"] = 5 },
        AlphaPattern = new Dictionary<string, double> { ["query"] = 1.5 },
        TaskType = "SEQ_CLS",
        BaseModelNameOrPath = "bert-base-uncased",
        Revision = "main",
        InferenceMode = true,
        TargetModules = ModuleSelector.FromNames("query", "value"),
        ExcludeModules = ModuleSelector.FromRegex(".*pooler.*"),
        LayersToTransform = new[] { 1, 2 },
        LayersPattern = new[] { "layer" },
        ModulesToSave = new[] { "classifier", "classifier" },
    };

    private static List<PropertyInfo> SettableProperties() =>
        typeof(LoraConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .ToList();

    private static bool SameValue(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (string x, string y) => x == y,
        (IEnumerable x, IEnumerable y) => x.Cast<object>().Select(o => o.ToString()).SequenceEqual(y.Cast<object>().Select(o => o.ToString())),
        _ => a.Equals(b),
    };

    private static void AssertOutOfRange(LoraConfig config, string paramName)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(config.Validate);
        Assert.Equal(paramName, ex.ParamName);
    }
}
