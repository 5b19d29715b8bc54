// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Extensibility;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// The PEFT methods by <c>peft_type</c> and configuration type. The built-in methods are registered explicitly in one
/// place, <c>Methods/BuiltInMethods.cs</c> (no reflection scanning); this class knows no method itself.
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

    private static readonly object s_lock = new();

    // Replaced whole on each registration, so lookups need no lock while an extension assembly registers a method.
    private static volatile Registrations s_registrations = new(
        new Dictionary<string, PeftMethod>(StringComparer.Ordinal), new Dictionary<Type, PeftMethod>());

    internal static IReadOnlyCollection<PeftMethod> Methods => s_registrations.ByPeftType.Values;

    /// <summary>The method for a <c>peft_type</c>; the error distinguishes PEFT methods not implemented here from unknown names.</summary>
    /// <exception cref="NotSupportedException">The type is a PEFT method this library does not implement.</exception>
    /// <exception cref="ArgumentException">The type is not a PEFT method at all.</exception>
    internal static PeftMethod ForPeftType(string peftType)
    {
        if (s_registrations.ByPeftType.TryGetValue(peftType, out var method))
        {
            return method;
        }

        // An extension assembly may register further methods from its module initializer.
        ExtensionAssemblies.EnsureLoaded();
        var byPeftType = s_registrations.ByPeftType;
        if (byPeftType.TryGetValue(peftType, out method))
        {
            return method;
        }

        string supported = string.Join(", ", byPeftType.Keys.Order(StringComparer.Ordinal));
        if (s_knownPeftTypes.Contains(peftType, StringComparer.Ordinal))
        {
            throw new NotSupportedException($"peft_type '{peftType}' is a Hugging Face PEFT method that Microsoft.ML.Peft does not implement; supported: {supported}.");
        }

        throw new ArgumentException($"Unknown peft_type '{peftType}'; supported: {supported}.", nameof(peftType));
    }

    internal static PeftMethod ForConfig(PeftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return s_registrations.ByConfigType.TryGetValue(config.GetType(), out var method)
            ? method
            : throw new ArgumentException($"{config.GetType().Name} is not a registered PEFT method configuration.", nameof(config));
    }

    /// <summary>Adds a method after checking PEFT's registration rules; each failure says how to fix it.</summary>
    internal static void Register(PeftMethod method)
    {
        ArgumentNullException.ThrowIfNull(method);
        lock (s_lock)
        {
            Add(method);
        }
    }

    private static void Add(PeftMethod method)
    {
        var byPeftType = s_registrations.ByPeftType;
        var byConfigType = s_registrations.ByConfigType;
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

        if (byPeftType.ContainsKey(method.PeftType) || byPeftType.Values.Any(m => m.Name == name))
        {
            throw new InvalidOperationException($"A method named '{name}' or with peft_type '{method.PeftType}' is already registered; pick another name.");
        }

        var clash = byPeftType.Values.FirstOrDefault(m => m.Prefix == method.Prefix);
        if (clash is not null)
        {
            throw new InvalidOperationException($"Prefix '{method.Prefix}' of method '{name}' is already used by '{clash.Name}'; prefixes must be unique.");
        }

        if (!typeof(PeftConfig).IsAssignableFrom(method.ConfigType) || byConfigType.ContainsKey(method.ConfigType))
        {
            throw new InvalidOperationException($"Config type {method.ConfigType.Name} of method '{name}' must derive from {nameof(PeftConfig)} and belong to one method only.");
        }

        s_registrations = new Registrations(
            new Dictionary<string, PeftMethod>(byPeftType, StringComparer.Ordinal) { [method.PeftType] = method },
            new Dictionary<Type, PeftMethod>(byConfigType) { [method.ConfigType] = method });
    }

    private sealed record Registrations(Dictionary<string, PeftMethod> ByPeftType, Dictionary<Type, PeftMethod> ByConfigType);
}
