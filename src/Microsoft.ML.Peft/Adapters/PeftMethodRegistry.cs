// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Methods.Bottleneck;
using Microsoft.ML.Peft.Methods.DyLora;
using Microsoft.ML.Peft.Methods.IA3;
using Microsoft.ML.Peft.Methods.LnTuning;
using Microsoft.ML.Peft.Methods.LoHa;
using Microsoft.ML.Peft.Methods.LoKr;
using Microsoft.ML.Peft.Methods.LoLdu;
using Microsoft.ML.Peft.Methods.Lora;
using Microsoft.ML.Peft.Methods.Paca;
using Microsoft.ML.Peft.Methods.RandLora;
using Microsoft.ML.Peft.Methods.SingularValueTuning;
using Microsoft.ML.Peft.Methods.Vera;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Every PEFT method this library implements, registered explicitly in one place (no reflection scanning).
/// </summary>
internal static class PeftMethodRegistry
{
    /// <summary>PEFT types that Hugging Face PEFT defines but this library does not implement (yet).</summary>
    private static readonly string[] s_knownPeftTypes =
    {
        "PROMPT_TUNING", "MULTITASK_PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING", "ADALORA", "BOFT", "ADAPTION_PROMPT",
        "OFT", "POLY", "FOURIERFT", "XLORA", "HRA", "VBLORA", "CPT",
        "BONE", "SHIRA", "C3A", "ROAD", "WAVEFT", "DELORA", "OSF", "MISS", "GRALORA", "TRAINABLE_TOKENS",
    };

    private static readonly Dictionary<string, PeftMethod> s_byPeftType = new(StringComparer.Ordinal);
    private static readonly Dictionary<Type, PeftMethod> s_byConfigType = new();

    static PeftMethodRegistry()
    {
        // One line per method.
        Register(new LoraMethod());
        Register(new LoKrMethod());
        Register(new LoHaMethod());
        Register(new VeraMethod());
        Register(new RandLoraMethod());
        Register(new IA3Method());
        Register(new LayerNormTuningMethod());
        Register(new SingularValueTuningMethod());
        Register(new LoLduMethod());
        Register(new DyLoraMethod());
        Register(new PacaMethod());
        Register(new BottleneckMethod());
    }

    internal static IReadOnlyCollection<PeftMethod> Methods => s_byPeftType.Values;

    /// <summary>The method for a <c>peft_type</c>; the error distinguishes PEFT methods not implemented here from unknown names.</summary>
    /// <exception cref="NotSupportedException">The type is a PEFT method this library does not implement.</exception>
    /// <exception cref="ArgumentException">The type is not a PEFT method at all.</exception>
    internal static PeftMethod ForPeftType(string peftType)
    {
        if (s_byPeftType.TryGetValue(peftType, out var method))
        {
            return method;
        }

        string supported = string.Join(", ", s_byPeftType.Keys.Order(StringComparer.Ordinal));
        if (s_knownPeftTypes.Contains(peftType, StringComparer.Ordinal))
        {
            throw new NotSupportedException($"peft_type '{peftType}' is a Hugging Face PEFT method that Microsoft.ML.Peft does not implement; supported: {supported}.");
        }

        throw new ArgumentException($"Unknown peft_type '{peftType}'; supported: {supported}.", nameof(peftType));
    }

    internal static PeftMethod ForConfig(PeftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return s_byConfigType.TryGetValue(config.GetType(), out var method)
            ? method
            : throw new ArgumentException($"{config.GetType().Name} is not a registered PEFT method configuration.", nameof(config));
    }

    /// <summary>Adds a method after checking PEFT's registration rules; each failure says how to fix it.</summary>
    internal static void Register(PeftMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        string name = method.Name;
        if (string.IsNullOrEmpty(name) || name != name.ToLowerInvariant() || name.EndsWith('_'))
        {
            throw new ArgumentException($"Method name '{name}' must be lowercase and must not end with '_'.", nameof(method));
        }

        if (method.PeftType != method.PeftType.ToUpperInvariant())
        {
            throw new ArgumentException($"peft_type '{method.PeftType}' of method '{name}' must be uppercase, as in PEFT.", nameof(method));
        }

        if (string.IsNullOrEmpty(method.Prefix) || !method.Prefix.EndsWith('_'))
        {
            throw new ArgumentException($"Prefix '{method.Prefix}' of method '{name}' must end with '_' (e.g. 'lora_').", nameof(method));
        }

        if (s_byPeftType.ContainsKey(method.PeftType) || s_byPeftType.Values.Any(m => m.Name == name))
        {
            throw new InvalidOperationException($"A method named '{name}' or with peft_type '{method.PeftType}' is already registered; pick another name.");
        }

        var clash = s_byPeftType.Values.FirstOrDefault(m => m.Prefix == method.Prefix);
        if (clash is not null)
        {
            throw new InvalidOperationException($"Prefix '{method.Prefix}' of method '{name}' is already used by '{clash.Name}'; prefixes must be unique.");
        }

        if (!typeof(PeftConfig).IsAssignableFrom(method.ConfigType) || s_byConfigType.ContainsKey(method.ConfigType))
        {
            throw new InvalidOperationException($"Config type {method.ConfigType.Name} of method '{name}' must derive from {nameof(PeftConfig)} and belong to one method only.");
        }

        s_byPeftType.Add(method.PeftType, method);
        s_byConfigType.Add(method.ConfigType, method);
    }
}
