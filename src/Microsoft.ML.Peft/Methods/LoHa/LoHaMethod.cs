// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Methods.LoHa;

/// <summary>Registration of LoHa: PEFT's <c>LOHA</c> type, prefix <c>hada_</c>, on linear and Conv2d targets.</summary>
/// <remarks>Every field of PEFT's LoHaConfig is read and implemented; <c>use_effective_conv2d</c> concerns Conv2d targets only.</remarks>
internal sealed class LoHaMethod : PeftMethod
{
    internal const string PeftTypeName = "LOHA";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<LoHaConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<LoHaConfig>("alpha", (c, n) => c.Alpha = JsonValues.Number(n, "alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<LoHaConfig>("rank_dropout", (c, n) => c.RankDropout = JsonValues.Number(n, "rank_dropout"), c => JsonValues.PythonFloat(c.RankDropout)),
        ConfigJsonField.For<LoHaConfig>("module_dropout", (c, n) => c.ModuleDropout = JsonValues.Number(n, "module_dropout"), c => JsonValues.PythonFloat(c.ModuleDropout)),
        ConfigJsonField.For<LoHaConfig>("use_effective_conv2d", (c, n) => c.UseEffectiveConv2d = JsonValues.Bool(n, "use_effective_conv2d"), c => c.UseEffectiveConv2d),
        ConfigJsonField.For<LoHaConfig>("init_weights", (c, n) => c.InitWeights = JsonValues.Bool(n, "init_weights"), c => c.InitWeights),
        ConfigJsonField.For<LoHaConfig>(
            "rank_pattern",
            (c, n) => c.RankPattern = JsonValues.Dictionary(n, "rank_pattern", JsonValues.Int),
            c => new JsonObject(c.RankPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))))),
        ConfigJsonField.For<LoHaConfig>(
            "alpha_pattern",
            (c, n) => c.AlphaPattern = JsonValues.Dictionary(n, "alpha_pattern", JsonValues.Number),
            c => new JsonObject(c.AlphaPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValues.Number(p.Value))))),
    };

    internal LoHaMethod()
    {
        RegisterLayer<Linear>((path, linear) => new LoHaLinear(path, linear));
        RegisterLayer<Conv2d>((path, conv) => new LoHaConv2d(path, conv));
    }

    internal override string Name => "loha";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "hada_";

    internal override Type ConfigType => typeof(LoHaConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new LoHaConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var loha = (LoHaConfig)config;
        string path = layer.ModulePath;
        int rank = ModulePatterns.ValueFor(loha.RankPattern, path) ?? loha.Rank;
        double alpha = ModulePatterns.ValueFor(loha.AlphaPattern, path) ?? loha.Alpha;
        var settings = new LoHaAdapterSettings(rank, alpha, loha.RankDropout, loha.ModuleDropout, loha.InitWeights, loha.UseEffectiveConv2d);
        switch (layer)
        {
            case LoHaConv2d conv:
                conv.AddAdapter(adapterName, settings);
                break;
            default:
                ((LoHaLinear)layer).AddAdapter(adapterName, settings);
                break;
        }
    }
}
