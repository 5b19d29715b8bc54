// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Bottleneck;

/// <summary>
/// Registration of bottleneck adapters: <c>peft_type</c> <c>BOTTLENECK</c>, prefix <c>adapter_</c>, keys
/// <c>adapter_down.weight/bias</c> and <c>adapter_up.weight/bias</c> (adapter-hub's module names).
/// </summary>
internal sealed class BottleneckMethod : PeftMethod
{
    internal const string PeftTypeName = "BOTTLENECK";

    // adapter-hub options that change what an adapter means but are not implemented; refused unless at their default.
    private static readonly (string Field, Func<JsonNode?, bool> IsDefault)[] s_unsupported =
    {
        ("ln_before", IsFalse),
        ("ln_after", IsFalse),
        ("use_gating", IsFalse),
        ("phm_layer", IsFalse),
        ("inv_adapter", n => n is null),
        ("dropout", n => n is null || (n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() == 0)),
        ("stochastic_depth", n => n is null || (n.GetValueKind() == JsonValueKind.Number && n.GetValue<double>() == 0)),
    };

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<BottleneckConfig>("reduction_factor", (c, n) => c.ReductionFactor = JsonValues.Number(n, "reduction_factor"), c => JsonValues.Number(c.ReductionFactor)),
        ConfigJsonField.For<BottleneckConfig>("non_linearity", (c, n) => c.NonLinearity = RequiredString(n, "non_linearity"), c => c.NonLinearity),
        ConfigJsonField.For<BottleneckConfig>("original_ln_before", (c, n) => c.OriginalLnBefore = JsonValues.Bool(n, "original_ln_before"), c => c.OriginalLnBefore),
        ConfigJsonField.For<BottleneckConfig>("original_ln_after", (c, n) => c.OriginalLnAfter = JsonValues.Bool(n, "original_ln_after"), c => c.OriginalLnAfter),
        ConfigJsonField.For<BottleneckConfig>("residual_before_ln", (c, n) => c.ResidualBeforeLn = JsonValues.Bool(n, "residual_before_ln"), c => c.ResidualBeforeLn),
        ConfigJsonField.For<BottleneckConfig>("is_parallel", (c, n) => c.IsParallel = JsonValues.Bool(n, "is_parallel"), c => c.IsParallel),
        ConfigJsonField.For<BottleneckConfig>("scaling", (c, n) => c.Scaling = JsonValues.Number(n, "scaling"), c => JsonValues.PythonFloat(c.Scaling)),
        ConfigJsonField.For<BottleneckConfig>("init_weights", (c, n) => c.InitWeights = RequiredString(n, "init_weights"), c => c.InitWeights),
    };

    internal BottleneckMethod()
    {
        RegisterLayer<Linear>((path, linear) => new BottleneckLinear(path, linear));
    }

    internal override string Name => "bottleneck";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "adapter_";

    internal override Type ConfigType => typeof(BottleneckConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    /// <summary>The adapter has a non-linearity: its effect is no weight delta.</summary>
    internal override bool CanMerge => false;

    internal override PeftConfig CreateConfig() => new BottleneckConfig();

    internal override void CheckUnsupportedFields(JsonObject document, string source)
    {
        foreach (var (field, isDefault) in s_unsupported)
        {
            if (document.TryGetPropertyValue(field, out var node) && !isDefault(node))
            {
                throw new NotSupportedException(
                    $"'{source}': `{field}` = {node?.ToJsonString()} is a bottleneck adapter option Microsoft.ML.Peft does not implement; only adapters without it can be loaded.");
            }
        }

        if (document.TryGetPropertyValue("scaling", out var scaling) && scaling?.GetValueKind() == JsonValueKind.String)
        {
            throw new NotSupportedException($"'{source}': `scaling` = {scaling.ToJsonString()} (a learned scaling) is not implemented; give a number.");
        }
    }

    /// <summary>Houlsby's placement: after the attention output dense and after the FFN output dense of every layer.</summary>
    internal override IReadOnlyList<string>? DefaultTargetModules(string modelType) => modelType switch
    {
        "distilbert" => new[] { "attention.out_lin", "ffn.lin2" },
        _ => new[] { "attention.output.dense", "output.dense" },
    };

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config) =>
        ((BottleneckLinear)layer).AddAdapter(adapterName, (BottleneckConfig)config);

    private static bool IsFalse(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.False;

    private static string RequiredString(JsonNode? node, string field) =>
        JsonValues.OptionalString(node, field) ?? throw new FormatException($"`{field}` must be a string, got null.");
}
