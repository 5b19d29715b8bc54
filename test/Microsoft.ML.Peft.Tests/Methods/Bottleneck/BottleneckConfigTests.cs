// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Methods.Bottleneck;

namespace Microsoft.ML.Peft.Tests.Methods.Bottleneck;

public sealed class BottleneckConfigTests
{
    [Fact]
    public void BottleneckConfig_Presets_HaveAdapterHubDefaults()
    {
        var houlsby = BottleneckConfig.Houlsby();
        var parallel = BottleneckConfig.Parallel();

        Assert.Equal((16.0, "swish", false, true, true, false, 1.0, "bert"),
            (houlsby.ReductionFactor, houlsby.NonLinearity, houlsby.OriginalLnBefore, houlsby.OriginalLnAfter, houlsby.ResidualBeforeLn, houlsby.IsParallel, houlsby.Scaling, houlsby.InitWeights));
        Assert.Equal((2.0, "relu", true, 4.0, "mam_adapter"),
            (parallel.ReductionFactor, parallel.NonLinearity, parallel.IsParallel, parallel.Scaling, parallel.InitWeights));
        houlsby.Validate();
        parallel.Validate();
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void BottleneckConfig_Validate_InvalidReductionFactor_ThrowsForReductionFactor(double factor) =>
        Assert.Throws<ArgumentOutOfRangeException>(nameof(BottleneckConfig.ReductionFactor), () => new BottleneckConfig { ReductionFactor = factor }.Validate());

    [Fact]
    public void BottleneckConfig_Validate_UnknownNonLinearity_ListsTheSupportedOnes()
    {
        var error = Assert.Throws<ArgumentException>(nameof(BottleneckConfig.NonLinearity), () => new BottleneckConfig { NonLinearity = "mish" }.Validate());

        Assert.Contains("\"mish\" is not supported; use one of relu, swish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BottleneckConfig_Validate_UnknownInit_NamesTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(nameof(BottleneckConfig.InitWeights), () => new BottleneckConfig { InitWeights = "houlsby" }.Validate());

        Assert.Contains("use \"bert\" or \"mam_adapter\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BottleneckConfig_Validate_ZeroScaling_ThrowsForScaling() =>
        Assert.Throws<ArgumentOutOfRangeException>(nameof(BottleneckConfig.Scaling), () => new BottleneckConfig { Scaling = 0 }.Validate());

    [Fact]
    public void BottleneckConfig_Validate_PfeifferLayerNormPlacement_IsRefusedWithTheReason()
    {
        var error = Assert.Throws<ArgumentException>(() => new BottleneckConfig { OriginalLnBefore = true }.Validate());

        Assert.Contains("`OriginalLnBefore = false`", error.Message, StringComparison.Ordinal);
        Assert.Contains("never sees the block's residual input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BottleneckConfig_Json_RoundTripsEveryFieldUnderAdapterHubNames()
    {
        var config = BottleneckConfig.Parallel();
        config.NonLinearity = "gelu";
        config.TargetModules = ModuleSelector.FromNames("output.dense");

        var json = AdapterConfigJson.ToJson(config);
        var back = (BottleneckConfig)AdapterConfigJson.Parse(JsonNode.Parse(json.ToJsonString())!.AsObject(), "test");

        Assert.Equal("BOTTLENECK", json["peft_type"]!.GetValue<string>());
        Assert.Equal("{\"rf\":2,\"act\":\"gelu\",\"par\":true,\"s\":4.0,\"init\":\"mam_adapter\",\"before\":false,\"after\":true,\"res\":true}",
            new JsonObject
            {
                ["rf"] = json["reduction_factor"]!.DeepClone(),
                ["act"] = json["non_linearity"]!.DeepClone(),
                ["par"] = json["is_parallel"]!.DeepClone(),
                ["s"] = json["scaling"]!.DeepClone(),
                ["init"] = json["init_weights"]!.DeepClone(),
                ["before"] = json["original_ln_before"]!.DeepClone(),
                ["after"] = json["original_ln_after"]!.DeepClone(),
                ["res"] = json["residual_before_ln"]!.DeepClone(),
            }.ToJsonString());
        Assert.Equal((2.0, "gelu", true, 4.0, "mam_adapter"), (back.ReductionFactor, back.NonLinearity, back.IsParallel, back.Scaling, back.InitWeights));
        Assert.Equal(new[] { "output.dense" }, back.TargetModules!.Names);
    }

    [Theory]
    [InlineData("use_gating", "true")]
    [InlineData("ln_before", "true")]
    [InlineData("scaling", "\"learned\"")]
    public void BottleneckMethod_Json_UnimplementedAdapterHubOption_IsRefusedWithTheField(string field, string value)
    {
        var document = AdapterConfigJson.ToJson(new BottleneckConfig { TargetModules = ModuleSelector.FromNames("fc") });
        document[field] = JsonNode.Parse(value);

        var error = Assert.Throws<NotSupportedException>(() => AdapterConfigJson.Parse(document, "adapter_config.json"));

        Assert.Contains($"`{field}`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BottleneckMethod_Registration_IsNotMergeableAndTargetsTheSublayerOutputs()
    {
        var method = PeftMethodRegistry.ForPeftType("BOTTLENECK");

        Assert.IsType<BottleneckMethod>(method);
        Assert.Equal(("bottleneck", "adapter_"), (method.Name, method.Prefix));
        Assert.False(method.CanMerge);
        Assert.Equal(new[] { "attention.output.dense", "output.dense" }, method.DefaultTargetModules("bert"));
        Assert.Equal(new[] { "attention.out_lin", "ffn.lin2" }, method.DefaultTargetModules("distilbert"));
    }
}
