// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Methods.LoKr;

/// <summary>Registration of LoKr: PEFT's <c>LOKR</c> type, prefix <c>lokr_</c>, on linear and Conv2d targets.</summary>
/// <remarks>Every field of PEFT's LoKrConfig is read and implemented; <c>use_effective_conv2d</c> concerns Conv2d targets only.</remarks>
internal sealed class LoKrMethod : PeftMethod
{
    internal const string PeftTypeName = "LOKR";
    private const string LycorisInitialization = "lycoris";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<LoKrConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<LoKrConfig>("alpha", (c, n) => c.Alpha = JsonValues.Number(n, "alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<LoKrConfig>("rank_dropout", (c, n) => c.RankDropout = JsonValues.Number(n, "rank_dropout"), c => JsonValues.PythonFloat(c.RankDropout)),
        ConfigJsonField.For<LoKrConfig>("module_dropout", (c, n) => c.ModuleDropout = JsonValues.Number(n, "module_dropout"), c => JsonValues.PythonFloat(c.ModuleDropout)),
        ConfigJsonField.For<LoKrConfig>("use_effective_conv2d", (c, n) => c.UseEffectiveConv2d = JsonValues.Bool(n, "use_effective_conv2d"), c => c.UseEffectiveConv2d),
        ConfigJsonField.For<LoKrConfig>("decompose_both", (c, n) => c.DecomposeBoth = JsonValues.Bool(n, "decompose_both"), c => c.DecomposeBoth),
        ConfigJsonField.For<LoKrConfig>("decompose_factor", (c, n) => c.DecomposeFactor = JsonValues.Int(n, "decompose_factor"), c => c.DecomposeFactor),
        ConfigJsonField.For<LoKrConfig>("rank_dropout_scale", (c, n) => c.RankDropoutScale = JsonValues.Bool(n, "rank_dropout_scale"), c => c.RankDropoutScale),
        ConfigJsonField.For<LoKrConfig>("init_weights", (c, n) => c.Initialization = ReadInitialization(n), c => WriteInitialization(c.Initialization)),
        ConfigJsonField.For<LoKrConfig>(
            "rank_pattern",
            (c, n) => c.RankPattern = JsonValues.Dictionary(n, "rank_pattern", JsonValues.Int),
            c => new JsonObject(c.RankPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))))),
        ConfigJsonField.For<LoKrConfig>(
            "alpha_pattern",
            (c, n) => c.AlphaPattern = JsonValues.Dictionary(n, "alpha_pattern", JsonValues.Number),
            c => new JsonObject(c.AlphaPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValues.Number(p.Value))))),
    };

    internal LoKrMethod()
    {
        RegisterLayer<Linear>((path, linear) => new LoKrLinear(path, linear));
        RegisterLayer<Conv2d>((path, conv) => new LoKrConv2d(path, conv));
    }

    internal override string Name => "lokr";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "lokr_";

    internal override Type ConfigType => typeof(LoKrConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new LoKrConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var lokr = (LoKrConfig)config;
        string path = layer.ModulePath;
        int rank = ModulePatterns.ValueFor(lokr.RankPattern, path) ?? lokr.Rank;
        double alpha = ModulePatterns.ValueFor(lokr.AlphaPattern, path) ?? lokr.Alpha;
        var settings = new LoKrAdapterSettings(
            rank, alpha, lokr.RankDropout, lokr.RankDropoutScale, lokr.ModuleDropout, lokr.DecomposeBoth, lokr.DecomposeFactor, lokr.Initialization,
            lokr.UseEffectiveConv2d);
        switch (layer)
        {
            case LoKrConv2d conv:
                conv.AddAdapter(adapterName, settings);
                break;
            default:
                ((LoKrLinear)layer).AddAdapter(adapterName, settings);
                break;
        }
    }

    private static LoKrInitialization ReadInitialization(JsonNode? node)
    {
        if (node?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return node.GetValue<bool>() ? LoKrInitialization.Default : LoKrInitialization.Random;
        }

        return JsonValues.OptionalString(node, "init_weights") switch
        {
            null => LoKrInitialization.Default,
            LycorisInitialization => LoKrInitialization.Lycoris,
            var other => throw new NotSupportedException($"`init_weights` = \"{other}\" is not supported; use true, false or \"{LycorisInitialization}\"."),
        };
    }

    private static JsonNode WriteInitialization(LoKrInitialization initialization) => initialization switch
    {
        LoKrInitialization.Lycoris => LycorisInitialization,
        LoKrInitialization.Random => false,
        _ => true,
    };
}
