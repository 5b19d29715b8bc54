// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.RegularExpressions;

namespace Microsoft.ML.Peft;

/// <summary>How a <see cref="ModuleSelector"/> picks modules.</summary>
public enum ModuleSelectorKind
{
    /// <summary>A list of names; a module matches when its full name equals a name or ends with <c>"." + name</c>.</summary>
    Names,

    /// <summary>A regular expression that must match the module's whole dotted name.</summary>
    Regex,

    /// <summary>Every linear layer except the model's output layer (PEFT's <c>"all-linear"</c>).</summary>
    AllLinear,
}

/// <summary>Selects modules of a model by name, as PEFT's <c>target_modules</c> and <c>exclude_modules</c> do.</summary>
public sealed class ModuleSelector : IEquatable<ModuleSelector>
{
    /// <summary>The spelling PEFT uses for <see cref="ModuleSelectorKind.AllLinear"/>.</summary>
    public const string AllLinearName = "all-linear";

    private ModuleSelector(ModuleSelectorKind kind, IReadOnlyList<string> names, string? pattern)
    {
        Kind = kind;
        Names = names;
        Pattern = pattern;
    }

    /// <summary>Gets a selector for every linear layer except the output layer.</summary>
    public static ModuleSelector AllLinear { get; } = new(ModuleSelectorKind.AllLinear, Array.Empty<string>(), null);

    /// <summary>Gets how this selector matches.</summary>
    public ModuleSelectorKind Kind { get; }

    /// <summary>Gets the names of a <see cref="ModuleSelectorKind.Names"/> selector; empty otherwise.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Gets the pattern of a <see cref="ModuleSelectorKind.Regex"/> selector; <see langword="null"/> otherwise.</summary>
    public string? Pattern { get; }

    /// <summary>Creates a selector from module names (exact full names or dotted suffixes such as <c>query</c>).</summary>
    /// <param name="names">The names; at least one, none empty.</param>
    /// <returns>The selector.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="names"/> is empty or holds an empty name.</exception>
    public static ModuleSelector FromNames(params IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("Give at least one module name.", nameof(names));
        }

        if (list.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Module names cannot be empty.", nameof(names));
        }

        return new ModuleSelector(ModuleSelectorKind.Names, list, null);
    }

    /// <summary>Creates a selector from a regular expression that must match a module's whole dotted name.</summary>
    /// <param name="pattern">The pattern, for example <c>.*\.(query|value)</c>.</param>
    /// <returns>The selector.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="pattern"/> is not a valid regular expression.</exception>
    public static ModuleSelector FromRegex(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (string.Equals(pattern, AllLinearName, StringComparison.OrdinalIgnoreCase))
        {
            return AllLinear;
        }

        try
        {
            _ = new Regex(pattern);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"'{pattern}' is not a valid regular expression: {ex.Message}", nameof(pattern), ex);
        }

        return new ModuleSelector(ModuleSelectorKind.Regex, Array.Empty<string>(), pattern);
    }

    /// <inheritdoc />
    public bool Equals(ModuleSelector? other) =>
        other is not null && Kind == other.Kind && Pattern == other.Pattern && Names.SequenceEqual(other.Names);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ModuleSelector);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, Pattern, Names.Count);

    /// <summary>Returns the selector as PEFT would print it.</summary>
    /// <returns><c>all-linear</c>, the regex, or the names in brackets.</returns>
    public override string ToString() => Kind switch
    {
        ModuleSelectorKind.AllLinear => AllLinearName,
        ModuleSelectorKind.Regex => Pattern!,
        _ => "[" + string.Join(", ", Names) + "]",
    };
}
