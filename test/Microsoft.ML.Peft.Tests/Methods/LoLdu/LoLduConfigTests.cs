// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Tests.Methods.LoLdu;

public sealed class LoLduConfigTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void LoLduConfig_Validate_NonPositiveRank_NamesRank(int rank)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(new LoLduConfig { Rank = rank }.Validate);
        Assert.Equal("Rank", ex.ParamName);
        Assert.Contains($"got {rank}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void LoLduConfig_Validate_BadAlpha_NamesAlpha(double alpha) =>
        Assert.Equal("Alpha", Assert.Throws<ArgumentOutOfRangeException>(new LoLduConfig { Alpha = alpha }.Validate).ParamName);

    [Fact]
    public void LoLduConfig_Validate_UndefinedInitialization_NamesInitialization() =>
        Assert.Equal("Initialization", Assert.Throws<ArgumentOutOfRangeException>(new LoLduConfig { Initialization = (LoLduInitialization)9 }.Validate).ParamName);

    [Fact]
    public void LoLduConfig_Json_RoundTripsEveryField()
    {
        var config = new LoLduConfig { Rank = 12, Alpha = 2.5, Initialization = LoLduInitialization.Ones, TargetModules = ModuleSelector.FromNames("query") };

        var json = AdapterConfigJson.ToJson(config);
        var read = Assert.IsType<LoLduConfig>(AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test"));

        Assert.Equal(("LOLDU", 12, 2.5, "ones"), (json["peft_type"]!.GetValue<string>(), json["r"]!.GetValue<int>(), json["loldu_alpha"]!.GetValue<double>(), json["init_method"]!.GetValue<string>()));
        Assert.Equal((12, 2.5, LoLduInitialization.Ones), (read.Rank, read.Alpha, read.Initialization));
        var clone = (LoLduConfig)read.Clone();
        Assert.Equal((12, 2.5, LoLduInitialization.Ones), (clone.Rank, clone.Alpha, clone.Initialization));
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("normal")]
    [InlineData("constant")]
    public void LoLduConfig_Json_RandomAblationInits_AreRefusedWithTheSupportedValues(string init)
    {
        var document = new JsonObject { ["peft_type"] = "LOLDU", ["init_method"] = init };
        var ex = Assert.Throws<NotSupportedException>(() => AdapterConfigJson.Parse(document, "adapter_config.json"));
        Assert.Contains($"\"{init}\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"lu\"", ex.Message, StringComparison.Ordinal);
    }
}
