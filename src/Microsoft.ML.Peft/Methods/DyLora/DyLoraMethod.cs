// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.DyLora;

/// <summary>Registration of DyLoRA: type <c>DYLORA</c>, prefix <c>dylora_</c>.</summary>
internal sealed class DyLoraMethod : PeftMethod
{
    internal const string PeftTypeName = "DYLORA";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<DyLoraConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<DyLoraConfig>("lora_alpha", (c, n) => c.Alpha = JsonValues.Number(n, "lora_alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<DyLoraConfig>("lora_dropout", (c, n) => c.Dropout = JsonValues.Number(n, "lora_dropout"), c => JsonValues.PythonFloat(c.Dropout)),
        ConfigJsonField.For<DyLoraConfig>("dylora_frozen", (c, n) => c.FrozenLowerRanks = JsonValues.Bool(n, "dylora_frozen"), c => c.FrozenLowerRanks),
        ConfigJsonField.For<DyLoraConfig>("dylora_rank", (c, n) => c.EvaluationRank = n is null ? null : JsonValues.Int(n, "dylora_rank"), c => c.EvaluationRank is int b ? JsonValue.Create(b) : null),
        ConfigJsonField.For<DyLoraConfig>("dylora_seed", (c, n) => c.RankSamplingSeed = JsonValues.Int(n, "dylora_seed"), c => c.RankSamplingSeed),
    };

    internal DyLoraMethod()
    {
        RegisterLayer<Linear>((path, linear) => new DyLoraLinear(path, linear));
    }

    internal override string Name => "dylora";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "dylora_";

    internal override Type ConfigType => typeof(DyLoraConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new DyLoraConfig();

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var dylora = (DyLoraConfig)config;
        var settings = new DyLoraAdapterSettings(dylora.Rank, dylora.Alpha, dylora.Dropout, dylora.FrozenLowerRanks, dylora.RankSamplingSeed);
        ((DyLoraLinear)layer).AddAdapter(adapterName, settings, dylora.EffectiveEvaluationRank);
    }
}
