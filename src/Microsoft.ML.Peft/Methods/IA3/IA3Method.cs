// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Methods.IA3;

/// <summary>Registration of (IA)³: PEFT's <c>IA3</c> type, prefix <c>ia3_</c>, on linear and Conv2d targets.</summary>
internal sealed class IA3Method : PeftMethod
{
    internal const string PeftTypeName = "IA3";

    // PEFT's TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING and ..._FEEDFORWARD_MODULES_MAPPING for the architectures here.
    // PEFT has no DistilBERT entry; its defaults follow the (IA)³ paper as PEFT's other entries do: keys, values and the
    // feed-forward output layer, input-scaled. BERT's attention.output.dense is a target only through its name's suffix.
    private static readonly Dictionary<string, (string[] Targets, string[] Feedforward)> s_defaults = new(StringComparer.Ordinal)
    {
        ["bert"] = (new[] { "key", "value", "output.dense" }, new[] { "output.dense" }),
        ["roberta"] = (new[] { "key", "value", "output.dense" }, new[] { "output.dense" }),
        ["distilbert"] = (new[] { "k_lin", "v_lin", "lin2" }, new[] { "lin2" }),
    };

    private static readonly string[] s_absentSharedFields = { "layers_to_transform", "layers_pattern" };

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<IA3Config>(
            "feedforward_modules",
            (c, n) => c.FeedforwardModules = ModuleSelectorJson.Read(n, "feedforward_modules"),
            c => ModuleSelectorJson.Write(c.FeedforwardModules)),

        // Only false is accepted (see CheckUnsupportedFields): TorchSharp's Linear stores (d_out, d_in), as PEFT's nn.Linear does.
        ConfigJsonField.For<IA3Config>("fan_in_fan_out", (_, _) => { }, _ => false),
        ConfigJsonField.For<IA3Config>("init_ia3_weights", (c, n) => c.InitializeWeights = n is null || JsonValues.Bool(n, "init_ia3_weights"), c => c.InitializeWeights),
    };

    internal IA3Method()
    {
        RegisterLayer<Linear>((path, linear) => new IA3Linear(path, linear));
        RegisterLayer<Conv2d>((path, conv) => new IA3Conv2d(path, conv));
    }

    internal override string Name => "ia3";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "ia3_";

    internal override Type ConfigType => typeof(IA3Config);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override IReadOnlyCollection<string> AbsentSharedFields => s_absentSharedFields;

    internal override PeftConfig CreateConfig() => new IA3Config();

    internal override void CheckUnsupportedFields(JsonObject document, string source)
    {
        if (document.TryGetPropertyValue("fan_in_fan_out", out var node) && node is not null && node.GetValueKind() != JsonValueKind.False)
        {
            throw new NotSupportedException(
                $"'{source}': `fan_in_fan_out` = {node.ToJsonString()} is for GPT-2's Conv1D layers, which Microsoft.ML.Peft does not adapt; only false is supported.");
        }
    }

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var ia3 = (IA3Config)config;
        bool feedforward = IsFeedforward(ia3.FeedforwardModules, layer.ModulePath);
        switch (layer)
        {
            case IA3Conv2d conv:
                conv.AddAdapter(adapterName, feedforward, ia3.InitializeWeights);
                break;
            default:
                ((IA3Linear)layer).AddAdapter(adapterName, feedforward, ia3.InitializeWeights);
                break;
        }
    }

    internal override IReadOnlyList<string>? DefaultTargetModules(string modelType) =>
        s_defaults.TryGetValue(modelType, out var defaults) ? defaults.Targets : null;

    /// <summary>
    /// PEFT's <c>_prepare_adapter_config</c>: unset targets and feed-forward modules get the architecture's defaults. When the user
    /// named the targets, only the default feed-forward names among them are kept, so the configuration passes PEFT's subset rule
    /// and reloads in PEFT.
    /// </summary>
    internal override void CompleteForModelType(PeftConfig config, string modelType)
    {
        base.CompleteForModelType(config, modelType);
        var ia3 = (IA3Config)config;
        if (ia3.FeedforwardModules is not null || !s_defaults.TryGetValue(modelType, out var defaults))
        {
            return;
        }

        var names = ia3.TargetModules?.Kind == ModuleSelectorKind.Names
            ? defaults.Feedforward.Intersect(ia3.TargetModules.Names, StringComparer.Ordinal).ToArray()
            : defaults.Feedforward;
        if (names.Length > 0)
        {
            ia3.FeedforwardModules = ModuleSelector.FromNames(names);
        }
    }

    /// <summary>
    /// PEFT's <c>_check_target_module_feedforward</c>: a regex must match the whole name; a list entry matches any name that ends
    /// with it, with no dot boundary (unlike target matching), so <c>output.dense</c> also marks <c>attention.output.dense</c>.
    /// </summary>
    internal static bool IsFeedforward(ModuleSelector? feedforward, string modulePath) => feedforward?.Kind switch
    {
        null => false,
        ModuleSelectorKind.Regex => Regex.IsMatch(modulePath, $"^(?:{feedforward.Pattern})$", RegexOptions.CultureInvariant),
        _ => feedforward.Names.Any(name => modulePath.EndsWith(name, StringComparison.Ordinal)),
    };
}
