// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Methods.Lora;

/// <summary>Registration of LoRA (with rsLoRA and DoRA): PEFT's <c>LORA</c> type, prefix <c>lora_</c>.</summary>
internal sealed class LoraMethod : PeftMethod
{
    internal const string PeftTypeName = "LORA";
    private const string PissaIterationsPrefix = "pissa_niter_";

    // PEFT options that change what an adapter means but are not implemented here. A saved adapter that uses one
    // is refused rather than silently loaded wrong; a field at its default value is accepted.
    private static readonly (string Field, Func<JsonNode?, bool> IsDefault)[] s_unsupported =
    {
        ("fan_in_fan_out", n => n is null || n.GetValueKind() == JsonValueKind.False),
        ("use_qalora", n => n is null || n.GetValueKind() == JsonValueKind.False),
        ("use_bdlora", n => n is null || n.GetValueKind() == JsonValueKind.False),
        ("megatron_config", n => n is null),
        ("layer_replication", n => n is null),
        ("trainable_token_indices", n => n is null),
        ("alora_invocation_tokens", n => n is null),
        ("arrow_config", n => n is null),
        ("monteclora_config", n => n is null),
        ("velora_config", n => n is null),
        ("loftq_config", n => n is null || (n is JsonObject o && o.Count == 0)),
        ("target_parameters", n => n is null || (n is JsonArray a && a.Count == 0)),
    };

    private static readonly ConfigJsonField[] s_fields =
    {
        ConfigJsonField.For<LoraConfig>("r", (c, n) => c.Rank = JsonValues.Int(n, "r"), c => c.Rank),
        ConfigJsonField.For<LoraConfig>("lora_alpha", (c, n) => c.Alpha = JsonValues.Number(n, "lora_alpha"), c => JsonValues.Number(c.Alpha)),
        ConfigJsonField.For<LoraConfig>("lora_dropout", (c, n) => c.Dropout = JsonValues.Number(n, "lora_dropout"), c => JsonValues.PythonFloat(c.Dropout)),
        ConfigJsonField.For<LoraConfig>("use_rslora", (c, n) => c.UseRsLora = JsonValues.Bool(n, "use_rslora"), c => c.UseRsLora),
        ConfigJsonField.For<LoraConfig>("use_dora", (c, n) => c.UseDora = JsonValues.Bool(n, "use_dora"), c => c.UseDora),
        ConfigJsonField.For<LoraConfig>("lora_bias", (c, n) => c.UseLoraBias = JsonValues.Bool(n, "lora_bias"), c => c.UseLoraBias),
        ConfigJsonField.For<LoraConfig>("bias", (c, n) => c.Bias = ReadBias(n), c => WriteBias(c.Bias)),
        ConfigJsonField.For<LoraConfig>("init_lora_weights", ReadInitialization, WriteInitialization),
        ConfigJsonField.For<LoraConfig>(
            "rank_pattern",
            (c, n) => c.RankPattern = JsonValues.Dictionary(n, "rank_pattern", JsonValues.Int),
            c => new JsonObject(c.RankPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))))),
        ConfigJsonField.For<LoraConfig>(
            "alpha_pattern",
            (c, n) => c.AlphaPattern = JsonValues.Dictionary(n, "alpha_pattern", JsonValues.Number),
            c => new JsonObject(c.AlphaPattern.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValues.Number(p.Value))))),
    };

    internal LoraMethod()
    {
        RegisterLayer<Linear>((path, linear) => new LoraLinear(path, linear));
        RegisterLayer<Embedding>((path, embedding) => new LoraEmbedding(path, embedding));
        RegisterLayer<Conv2d>((path, conv) => new LoraConv2d(path, conv));
    }

    internal override string Name => "lora";

    internal override string PeftType => PeftTypeName;

    internal override string Prefix => "lora_";

    internal override Type ConfigType => typeof(LoraConfig);

    internal override IReadOnlyList<ConfigJsonField> JsonFields => s_fields;

    internal override PeftConfig CreateConfig() => new LoraConfig();

    internal override void CheckUnsupportedFields(JsonObject document, string source)
    {
        foreach (var (field, isDefault) in s_unsupported)
        {
            if (document.TryGetPropertyValue(field, out var node) && !isDefault(node))
            {
                throw new NotSupportedException(
                    $"'{source}': `{field}` = {node?.ToJsonString()} is a PEFT option Microsoft.ML.Peft does not implement; only adapters without it can be loaded.");
            }
        }
    }

    internal override void AddAdapter(TunerLayer layer, string adapterName, PeftConfig config)
    {
        var lora = (LoraConfig)config;
        string path = layer.ModulePath;
        int rank = ModulePatterns.ValueFor(lora.RankPattern, path) ?? lora.Rank;
        double alpha = ModulePatterns.ValueFor(lora.AlphaPattern, path) ?? lora.Alpha;
        var settings = new LoraAdapterSettings(rank, alpha, lora.Dropout, lora.UseRsLora, lora.UseDora, lora.UseLoraBias, lora.Initialization, lora.PissaIterations);
        ((LoraLayer)layer).AddAdapter(adapterName, settings);
    }

    /// <summary>PEFT's conversion of a PiSSA/OLoRA adapter: rank and alpha doubled (alpha ×√2 under rsLoRA) so s is unchanged.</summary>
    /// <remarks>PEFT doubles alpha_pattern even under rsLoRA, which changes those modules' scaling; here it is scaled by √2 as alpha is.</remarks>
    internal override PeftConfig? ConfigForOriginalBase(PeftConfig config)
    {
        var lora = (LoraConfig)config;
        if (lora.Initialization is not (LoraInitialization.PiSSA or LoraInitialization.OLoRA))
        {
            return null;
        }

        if (lora.UseDora)
        {
            throw new NotSupportedException(
                "A DoRA adapter initialized with PiSSA or OLoRA cannot be rewritten for the original base: its magnitude was computed on the residual weights.");
        }

        double alphaFactor = lora.UseRsLora ? Math.Sqrt(2) : 2;
        var converted = (LoraConfig)lora.Clone();
        converted.Rank = 2 * lora.Rank;
        converted.Alpha = alphaFactor * lora.Alpha;
        converted.RankPattern = lora.RankPattern.ToDictionary(p => p.Key, p => 2 * p.Value);
        converted.AlphaPattern = lora.AlphaPattern.ToDictionary(p => p.Key, p => alphaFactor * p.Value);
        converted.PissaIterations = null;
        converted.Initialization = LoraInitialization.Default;
        return converted;
    }

    internal override IEnumerable<string> TrainableBiasModules(PeftConfig config, nn.Module model, IReadOnlyCollection<string> targetPaths)
    {
        var lora = (LoraConfig)config;
        var withBias = model.named_parameters()
            .Where(p => p.name == "bias" || p.name.EndsWith(".bias", StringComparison.Ordinal))
            .Select(p => p.name.Length == 4 ? string.Empty : p.name[..^5]);
        return lora.Bias switch
        {
            LoraBiasMode.All => withBias.ToArray(),
            LoraBiasMode.LoraOnly => withBias.Where(targetPaths.Contains).ToArray(),
            _ => Array.Empty<string>(),
        };
    }

    private static LoraBiasMode ReadBias(JsonNode? node) => JsonValues.OptionalString(node, "bias") switch
    {
        null or "none" => LoraBiasMode.None,
        "all" => LoraBiasMode.All,
        "lora_only" => LoraBiasMode.LoraOnly,
        var other => throw new FormatException($"`bias` must be \"none\", \"all\" or \"lora_only\", got \"{other}\"."),
    };

    private static JsonNode WriteBias(LoraBiasMode bias) => bias switch
    {
        LoraBiasMode.All => "all",
        LoraBiasMode.LoraOnly => "lora_only",
        _ => "none",
    };

    private static void ReadInitialization(LoraConfig config, JsonNode? node)
    {
        if (node?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            config.Initialization = node.GetValue<bool>() ? LoraInitialization.Default : LoraInitialization.Random;
            return;
        }

        string? text = JsonValues.OptionalString(node, "init_lora_weights");
        switch (text?.ToLowerInvariant())
        {
            case null:
                config.Initialization = LoraInitialization.Default;
                break;
            case "gaussian":
                config.Initialization = LoraInitialization.Gaussian;
                break;
            case "pissa":
                config.Initialization = LoraInitialization.PiSSA;
                break;
            case "olora":
                config.Initialization = LoraInitialization.OLoRA;
                break;
            case var s when s.StartsWith(PissaIterationsPrefix, StringComparison.Ordinal)
                && int.TryParse(s[PissaIterationsPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations):
                config.Initialization = LoraInitialization.PiSSA;
                config.PissaIterations = iterations;
                break;
            default:
                throw new NotSupportedException(
                    $"`init_lora_weights` = \"{text}\" is not supported; use true, false, \"gaussian\", \"pissa\", \"pissa_niter_K\" or \"olora\".");
        }
    }

    private static JsonNode WriteInitialization(LoraConfig config) => config.Initialization switch
    {
        LoraInitialization.Default => true,
        LoraInitialization.Random => false,
        LoraInitialization.Gaussian => "gaussian",
        LoraInitialization.OLoRA => "olora",
        LoraInitialization.PiSSA when config.PissaIterations is int k => PissaIterationsPrefix + k.ToString(CultureInfo.InvariantCulture),
        _ => "pissa",
    };
}
