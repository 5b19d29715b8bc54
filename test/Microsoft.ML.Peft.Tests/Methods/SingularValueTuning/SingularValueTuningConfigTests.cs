// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Methods.SingularValueTuning;

public sealed class SingularValueTuningConfigTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void SingularValueTuningConfig_Validate_RatioOutsideUnitInterval_NamesRankRatio(double ratio)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(new SingularValueTuningConfig { RankRatio = ratio }.Validate);
        Assert.Equal("RankRatio", ex.ParamName);
        Assert.Contains("(0, 1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SingularValueTuningConfig_Json_RoundTripsEveryField()
    {
        var config = new SingularValueTuningConfig { RankRatio = 0.25, TargetModules = ModuleSelector.FromNames("query", "value"), ModulesToSave = new[] { "classifier" } };

        var json = AdapterConfigJson.ToJson(config);
        var read = Assert.IsType<SingularValueTuningConfig>(AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test"));

        Assert.Equal("SINGULAR_VALUE_TUNING", json["peft_type"]!.GetValue<string>());
        Assert.Equal(0.25, json["rank_ratio"]!.GetValue<double>());
        Assert.Equal(0.25, read.RankRatio);
        Assert.Equal(new[] { "query", "value" }, read.TargetModules!.Names);
        Assert.Equal(new[] { "classifier" }, read.ModulesToSave);
        Assert.Equal(0.25, ((SingularValueTuningConfig)read.Clone()).RankRatio);
    }

    [Fact]
    public void SingularValueTuningConfig_Json_BadRatio_IsRefusedNamingTheField()
    {
        var document = new JsonObject { ["peft_type"] = "SINGULAR_VALUE_TUNING", ["rank_ratio"] = "all" };
        var ex = Assert.Throws<InvalidDataException>(() => AdapterConfigJson.Parse(document, "adapter_config.json"));
        Assert.Contains("rank_ratio", ex.Message, StringComparison.Ordinal);
    }
}
