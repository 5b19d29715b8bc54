// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.LoLdu;

/// <summary>Registration of LoLDU: type <c>LOLDU</c>, prefix <c>loldu_</c>.</summary>
internal sealed class LoLduMethod : PeftMethod
{
    internal const string PeftTypeName = "LOLDU";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<LoLduConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<LoLduConfig>("loldu_alpha", (c, n) => c.Alpha = JsonValues.Number(n, "loldu_alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<LoLduConfig>("init_method", (c, n) => c.Initialization = ReadInitialization(n), c => WriteInitialization(c.Initialization)),
    };

    internal LoLduMethod()
    {
        RegisterLayer<Linear>((path, linear) => new LoLduLinear(path, linear));
    }

    internal override string Name => "loldu";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "loldu_";

    internal override Type ConfigType => typeof(LoLduConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new LoLduConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var loldu = (LoLduConfig)config;
        ((LoLduLinear)layer).AddAdapter(adapterName, loldu.Rank, loldu.Alpha / loldu.Rank, loldu.Initialization);
    }

    // The reference's random ablations ("uniform", "normal", "constant") are refused: a random z₀ is also baked into the
    // rewritten base, so an adapter file could not reproduce the model.
    private static LoLduInitialization ReadInitialization(JsonNode? node) => JsonValues.OptionalString(node, "init_method") switch
    {
        null or "lu" => LoLduInitialization.Lu,
        "ones" => LoLduInitialization.Ones,
        "zeros" => LoLduInitialization.Zeros,
        var other => throw new NotSupportedException($"`init_method` = \"{other}\" is not supported; use \"lu\", \"ones\" or \"zeros\"."),
    };

    private static JsonNode WriteInitialization(LoLduInitialization initialization) => initialization switch
    {
        LoLduInitialization.Ones => "ones",
        LoLduInitialization.Zeros => "zeros",
        _ => "lu",
    };
}
