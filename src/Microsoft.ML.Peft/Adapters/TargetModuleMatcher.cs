// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// PEFT's module matching (<c>check_target_module_exists</c>, <c>_set_trainable</c>, all-linear expansion), rule for rule.
/// Python's <c>re.fullmatch(p, s)</c> becomes <c>^(?:p)$</c>.
/// </summary>
internal static class TargetModuleMatcher
{
    /// <summary>Head names PEFT excludes from all-linear for classification models.</summary>
    private static readonly string[] s_headNames = { "score", "classifier", "lm_head" };

    /// <summary>True when <paramref name="key"/> is to receive the method's layer.</summary>
    internal static bool IsTarget(PeftConfig config, ModuleSelector targets, string key) => IsTarget(config, targets, key, alias: null);

    /// <summary>
    /// True when the module <paramref name="key"/>, also known as <paramref name="alias"/> (<see cref="ModuleNameAliases"/>;
    /// null when it has no other name), is to receive the method's layer: either name is targeted, and neither is excluded
    /// or inside a module of <c>modules_to_save</c>.
    /// </summary>
    internal static bool IsTarget(PeftConfig config, ModuleSelector targets, string key, string? alias)
    {
        if (IsLeftOut(config, key) || (alias is not null && IsLeftOut(config, alias)))
        {
            return false;
        }

        return Matches(config, targets, key) || (alias is not null && Matches(config, targets, alias));
    }

    /// <summary>Whether <paramref name="key"/> would be a target if <c>modules_to_save</c> did not leave it out, for messages.</summary>
    internal static bool IsTargetButForModulesToSave(PeftConfig config, ModuleSelector targets, string key) =>
        !IsExcluded(config.ExcludeModules, key) && Matches(config, targets, key);

    /// <summary>exclude_modules: a string is a whole-name regex; a list matches exactly or as a dotted suffix.</summary>
    internal static bool IsExcluded(ModuleSelector? exclude, string key) => exclude?.Kind switch
    {
        null => false,
        ModuleSelectorKind.Regex => FullMatch(exclude.Pattern!, key),
        _ => exclude.Names.Any(e => key == e || key.EndsWith("." + e, StringComparison.Ordinal)),
    };

    /// <summary>A module inside (or equal to) a modules_to_save entry never receives an adapter layer.</summary>
    internal static bool IsInsideModulesToSave(IReadOnlyList<string>? modulesToSave, string key) =>
        modulesToSave is not null
        && modulesToSave.Any(m => Regex.IsMatch(key, $"^(?:.*\\.)?(?:{m})(?:\\..*)?$", RegexOptions.CultureInvariant));

    /// <summary>
    /// The modules trained in full: PEFT matches with a plain suffix test, so "classifier" also matches "pre_classifier". A
    /// module with a second name in <paramref name="aliases"/> matches by either name.
    /// </summary>
    internal static IReadOnlyList<(string Path, nn.Module Module)> FindModulesToSave(nn.Module model, IReadOnlyList<string>? modulesToSave, ModuleNameAliases? aliases = null)
    {
        var found = new List<(string Path, nn.Module Module)>();
        if (modulesToSave is not { Count: > 0 })
        {
            return found;
        }

        foreach (var (path, module) in model.named_modules())
        {
            string? alias = path.Length > 0 ? aliases?.ToAlias(path) : null;
            bool matches = path.Length > 0 && modulesToSave.Any(m =>
                path.EndsWith(m, StringComparison.Ordinal) || (alias is not null && alias.EndsWith(m, StringComparison.Ordinal)));

            // A module inside one already selected is covered by its ancestor's copy.
            if (matches && !found.Any(f => path.StartsWith(f.Path + ".", StringComparison.Ordinal)))
            {
                found.Add((path, module));
            }
        }

        return found;
    }

    /// <summary>
    /// All-linear: every <see cref="Linear"/> except the output layer, which is <paramref name="outputModuleName"/> when
    /// given, else a top-level <c>score</c>, <c>classifier</c> or <c>lm_head</c>, else the last linear layer of the model.
    /// </summary>
    internal static ModuleSelector ExpandAllLinear(nn.Module model, string? outputModuleName)
    {
        var linear = model.named_modules().Where(m => m.module is Linear).Select(m => m.name).ToList();
        string? output = outputModuleName
            ?? s_headNames.FirstOrDefault(linear.Contains)
            ?? linear.LastOrDefault();
        var names = linear.Where(n => n != output).ToArray();
        if (names.Length == 0)
        {
            throw new ArgumentException(
                $"`{nameof(PeftConfig.TargetModules)}` = all-linear found no linear layer besides the output layer '{output}'.");
        }

        return ModuleSelector.FromNames(names);
    }

    /// <summary>
    /// The layer index in a name such as <c>encoder.layer.3.attention</c>. Hugging Face PEFT 0.20 uses the lazy
    /// <c>.*?\.{pattern}\.(\d+)\.</c>, so the first, outermost index wins; older PEFT releases used a greedy <c>.*</c>.
    /// </summary>
    internal static int? LayerIndex(string key, IReadOnlyList<string>? layersPattern)
    {
        var patterns = layersPattern is { Count: > 0 } ? layersPattern : new[] { "[^.]*" };
        foreach (string pattern in patterns)
        {
            var match = Regex.Match(key, $"^.*?\\.(?:{pattern})\\.(\\d+)\\.", RegexOptions.CultureInvariant);
            if (match.Success)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static bool IsLeftOut(PeftConfig config, string key) =>
        IsExcluded(config.ExcludeModules, key) || IsInsideModulesToSave(config.ModulesToSave, key);

    private static bool Matches(PeftConfig config, ModuleSelector targets, string key)
    {
        if (targets.Kind == ModuleSelectorKind.Regex)
        {
            // A regex ignores layers_to_transform, as in PEFT.
            return FullMatch(targets.Pattern!, key);
        }

        if (targets.Names.Contains(key))
        {
            // An exact name bypasses the layer filter, as in PEFT.
            return true;
        }

        if (!targets.Names.Any(t => key.EndsWith("." + t, StringComparison.Ordinal)))
        {
            return false;
        }

        if (config.LayersToTransform is not { Count: > 0 } layers)
        {
            return true;
        }

        int? index = LayerIndex(key, config.LayersPattern);
        return index is not null && layers.Contains(index.Value);
    }

    private static bool FullMatch(string pattern, string key) =>
        Regex.IsMatch(key, $"^(?:{pattern})$", RegexOptions.CultureInvariant);
}
