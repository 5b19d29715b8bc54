// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Methods.Paca;

namespace Microsoft.ML.Peft.Tests.Methods.Paca;

public sealed class PacaConfigTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void PacaConfig_Validate_NonPositiveRank_ThrowsForRank(int rank)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(nameof(PacaConfig.Rank), () => new PacaConfig { Rank = rank }.Validate());
        Assert.Contains($"`Rank` must be positive, got {rank}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void PacaConfig_Validate_InvalidAlpha_ThrowsForAlpha(double alpha) =>
        Assert.Throws<ArgumentOutOfRangeException>(nameof(PacaConfig.Alpha), () => new PacaConfig { Alpha = alpha }.Validate());

    [Fact]
    public void PacaConfig_Json_RoundTripsEveryFieldUnderTheAuthorsNames()
    {
        var config = new PacaConfig { Rank = 16, Alpha = 64, TargetModules = ModuleSelector.FromNames("q_proj", "v_proj") };

        var json = AdapterConfigJson.ToJson(config);
        var back = (PacaConfig)AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test");

        Assert.Equal("PACA", json["peft_type"]!.GetValue<string>());
        Assert.Equal(16, json["r"]!.GetValue<int>());
        Assert.Equal("64", json["paca_alpha"]!.ToJsonString());
        Assert.Equal(16, back.Rank);
        Assert.Equal(64, back.Alpha);
        Assert.Equal(new[] { "q_proj", "v_proj" }, back.TargetModules!.Names);
    }

    [Fact]
    public void PacaConfig_Clone_CopiesEveryPropertyAndIsMutable()
    {
        var config = new PacaConfig { Rank = 5, Alpha = 3 };
        config.Freeze();

        var clone = (PacaConfig)config.Clone();
        clone.Rank = 6;

        Assert.Throws<InvalidOperationException>(() => config.Rank = 1);
        Assert.Equal((5, 3.0, 6), (config.Rank, clone.Alpha, clone.Rank));
    }

    [Fact]
    public void PacaMethod_Json_NonDefaultBias_IsRefusedWithTheField()
    {
        var document = new JsonObject { ["peft_type"] = "PACA", ["r"] = 4, ["paca_alpha"] = 8, ["bias"] = "all", ["target_modules"] = new JsonArray("fc") };

        var error = Assert.Throws<NotSupportedException>(() => AdapterConfigJson.Parse(document, "adapter_config.json"));

        Assert.Contains("`bias`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PacaMethod_Registration_UsesPacaTypeAndPrefix()
    {
        var method = PeftMethodRegistry.ForPeftType("PACA");

        Assert.IsType<PacaMethod>(method);
        Assert.Equal(("paca", "paca_"), (method.Name, method.Prefix));
        Assert.True(method.CanMerge);
    }
}
