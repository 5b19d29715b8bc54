// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.Paca;

/// <summary>Registration of PaCA: <c>peft_type</c> <c>PACA</c>, prefix <c>paca_</c>, keys <c>paca_w</c> and <c>paca_indices</c>.</summary>
internal sealed class PacaMethod : PeftMethod
{
    internal const string PeftTypeName = "PACA";

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<PacaConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<PacaConfig>("paca_alpha", (c, n) => c.Alpha = JsonValues.Number(n, "paca_alpha"), c => JsonValues.Number(c.Alpha)),
    };

    internal PacaMethod()
    {
        RegisterLayer<Linear>((path, linear) => new PacaLinear(path, linear));
    }

    internal override string Name => "paca";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "paca_";

    internal override Type ConfigType => typeof(PacaConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new PacaConfig();

    // The authors' config carries LoRA's `bias` option; only "none" is implemented.
    internal override void CheckUnsupportedFields(JsonObject document, string source)
    {
        if (document.TryGetPropertyValue("bias", out var node) && node is not null
            && !(node.GetValueKind() == JsonValueKind.String && node.GetValue<string>() == "none"))
        {
            throw new NotSupportedException(
                $"'{source}': `bias` = {node.ToJsonString()} is not implemented for PaCA; only adapters with \"none\" can be loaded.");
        }
    }

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var paca = (PacaConfig)config;
        ((PacaLinear)layer).AddAdapter(adapterName, paca.Rank, paca.Alpha / paca.Rank);
    }
}
