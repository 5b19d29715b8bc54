// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Adapters;
using Microsoft.ML.Peft.Formats;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft;

/// <summary>
/// The names a saved adapter uses for a model whose modules have second names (<see cref="ModuleNameAliases"/>): the
/// aliases, which are the module names of the Python library release that now builds the model (transformers 5's
/// <c>vit.layers.0.attention.q_proj</c> for ViT). A PEFT adapter names modules as they are in memory, so the adapter must
/// use those names for Python PEFT to inject and load it; the model's own names are only its checkpoint keys.
/// </summary>
public sealed partial class PeftModel
{
    /// <summary>
    /// Rewrites <paramref name="tensors"/> and <paramref name="config"/> (a copy being saved) to the aliases: every tensor
    /// key of an aliased module, and <c>target_modules</c> so that it selects, among the aliased names, exactly the modules
    /// the adapter was injected into. Nothing changes for a model without aliases or an adapter on no aliased module.
    /// </summary>
    private Dictionary<string, Tensor> ToExportNames(string adapterName, PeftConfig config, Dictionary<string, Tensor> tensors)
    {
        if (_aliases.IsEmpty)
        {
            return tensors;
        }

        var targets = _targets[adapterName];
        if (targets.Any(t => _aliases.ToAlias(t) is not null))
        {
            config.TargetModules = ExportTargetModules(config, targets);
        }

        var renamed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in tensors)
        {
            string name = key.StartsWith(PeftStateDictKeys.Prefix, StringComparison.Ordinal)
                && _aliases.ToAlias(key[PeftStateDictKeys.Prefix.Length..]) is { } alias
                ? PeftStateDictKeys.Prefix + alias
                : key;
            renamed.Add(name, tensor);
        }

        return renamed;
    }

    /// <summary>
    /// The configuration's target names moved to the aliases (<c>query</c> becomes <c>q_proj</c>: the same number of trailing
    /// segments of each matched module's alias) when that selects exactly the injected modules under their aliases, as PEFT
    /// will match them; otherwise (a regex, a layer filter or exclusions that do not carry over) the aliased full paths, which
    /// PEFT matches exactly.
    /// </summary>
    private ModuleSelector ExportTargetModules(PeftConfig config, IReadOnlyList<string> targets)
    {
        var exported = targets.Select(t => _aliases.ToAlias(t) ?? t).ToHashSet(StringComparer.Ordinal);
        var selector = config.TargetModules!;
        if (selector.Kind == ModuleSelectorKind.Names)
        {
            var names = new List<string>();
            foreach (string name in selector.Names)
            {
                var matched = targets.Where(t => t == name || t.EndsWith("." + name, StringComparison.Ordinal)).ToList();
                int segments = name.Split('.').Length;
                var aliased = matched.Select(t => _aliases.ToAlias(t)).ToList();
                names.AddRange(aliased.OfType<string>().Select(a => string.Join('.', a.Split('.')[^segments..])));
                if (matched.Count == 0 || aliased.Any(a => a is null))
                {
                    // A name already in the aliases' terms, or one of modules that have no second name.
                    names.Add(name);
                }
            }

            var translated = ModuleSelector.FromNames(names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            if (SelectsUnderAliases(config, translated).SetEquals(exported))
            {
                return translated;
            }
        }

        return ModuleSelector.FromNames(exported.Order(StringComparer.Ordinal));
    }

    // The modules PEFT would adapt with `selector` on the model seen under the aliases.
    private HashSet<string> SelectsUnderAliases(PeftConfig config, ModuleSelector selector)
    {
        var selected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, _) in _model.named_modules())
        {
            string name = path.Length == 0 ? path : _aliases.ToAlias(path) ?? path;
            if (name.Length > 0 && TargetModuleMatcher.IsTarget(config, selector, name))
            {
                selected.Add(name);
            }
        }

        return selected;
    }
}
