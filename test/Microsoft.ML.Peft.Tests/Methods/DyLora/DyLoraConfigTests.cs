// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Methods.DyLora;

public sealed class DyLoraConfigTests
{
    [Fact]
    public void DyLoraConfig_Validate_EvaluationRankAboveMax_NamesItAndTheRange()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(new DyLoraConfig { Rank = 4, EvaluationRank = 5 }.Validate);
        Assert.Equal("EvaluationRank", ex.ParamName);
        Assert.Contains("[1, Rank = 4]", ex.Message, StringComparison.Ordinal);
        new DyLoraConfig { Rank = 4, EvaluationRank = 4 }.Validate();
    }

    [Theory]
    [InlineData(0, 8, 0.0, "Rank")]
    [InlineData(4, 0, 0.0, "Alpha")]
    [InlineData(4, 8, 1.0, "Dropout")]
    public void DyLoraConfig_Validate_BadValues_NameTheProperty(int rank, double alpha, double dropout, string property) =>
        Assert.Equal(property, Assert.Throws<ArgumentOutOfRangeException>(new DyLoraConfig { Rank = rank, Alpha = alpha, Dropout = dropout }.Validate).ParamName);

    [Fact]
    public void DyLoraConfig_Json_RoundTripsEveryField()
    {
        var config = new DyLoraConfig { Rank = 16, Alpha = 32, Dropout = 0.1, FrozenLowerRanks = true, EvaluationRank = 6, RankSamplingSeed = 42, TargetModules = ModuleSelector.FromNames("query") };

        var json = AdapterConfigJson.ToJson(config);
        var read = Assert.IsType<DyLoraConfig>(AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test"));
        var clone = (DyLoraConfig)read.Clone();

        Assert.Equal(("DYLORA", 16, true, 6, 42), (json["peft_type"]!.GetValue<string>(), json["r"]!.GetValue<int>(), json["dylora_frozen"]!.GetValue<bool>(), json["dylora_rank"]!.GetValue<int>(), json["dylora_seed"]!.GetValue<int>()));
        foreach (var c in new[] { read, clone })
        {
            Assert.Equal((16, 32.0, 0.1, true, (int?)6, 42), (c.Rank, c.Alpha, c.Dropout, c.FrozenLowerRanks, c.EvaluationRank, c.RankSamplingSeed));
        }
    }

    [Fact]
    public void DyLoraConfig_Json_WithoutRank_EvaluatesAtMaxRank()
    {
        var read = Assert.IsType<DyLoraConfig>(AdapterConfigJson.Parse(new JsonObject { ["peft_type"] = "DYLORA", ["r"] = 6 }, "test"));
        Assert.Null(read.EvaluationRank);
        Assert.Equal(6, read.EffectiveEvaluationRank);
    }
}
