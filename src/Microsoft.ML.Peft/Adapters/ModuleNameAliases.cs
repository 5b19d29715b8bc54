// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Second names of a model's modules: the names another release of the model's Python library gives the same modules in
/// memory. transformers 5 builds ViT's <c>encoder.layer.0.attention.attention.query</c> as <c>layers.0.attention.q_proj</c>
/// while its checkpoints keep the classic keys, and a PEFT adapter carries the in-memory names of the library that trained
/// it, so its <c>target_modules</c> and tensor keys may use either naming. The model's modules keep one name (the
/// checkpoint key); <see cref="PeftModel"/> matches configurations against both names and reads an adapter's aliased keys
/// under the model's names (<see cref="IModuleNameAliasProvider"/> says where a model declares them).
/// </summary>
/// <remarks>
/// A rule pairs a pattern of the model's names with a pattern of the aliases: dotted names whose <c>{n}</c> segments stand
/// for a layer index, e.g. <c>encoder.layer.{n}.attention.attention.query</c> and <c>layers.{n}.attention.q_proj</c>. A
/// pattern matches a whole leading run of segments, so a rule renames a module and everything inside it
/// (<c>….q_proj.lora_A.weight</c>); the first matching rule wins, so specific rules come before general ones.
/// </remarks>
internal sealed class ModuleNameAliases
{
    private readonly Rule[] _rules;

    private ModuleNameAliases(Rule[] rules) => _rules = rules;

    /// <summary>No aliases: every name is only the model's.</summary>
    internal static ModuleNameAliases None { get; } = new(Array.Empty<Rule>());

    /// <summary>Gets a value indicating whether there are no rules.</summary>
    internal bool IsEmpty => _rules.Length == 0;

    /// <summary>The rules as written, in order: the model's name pattern and the alias pattern.</summary>
    internal IEnumerable<(string ModelName, string Alias)> Patterns => _rules.Select(r => (r.ModelName.Text, r.Alias.Text));

    /// <summary>Rules from pairs of patterns, in order of precedence.</summary>
    /// <param name="patterns">The model's name pattern and the alias pattern of each rule; <c>{n}</c> is a layer index.</param>
    /// <exception cref="ArgumentException">A pattern has an empty segment, or the two sides of a rule differ in their number of <c>{n}</c>.</exception>
    internal static ModuleNameAliases FromPatterns(params (string ModelName, string Alias)[] patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        return new ModuleNameAliases(patterns.Select(p => new Rule(new Pattern(p.ModelName), new Pattern(p.Alias))).ToArray());
    }

    /// <summary>
    /// The aliases every module of <paramref name="model"/> (the model itself included) declares through
    /// <see cref="IModuleNameAliasProvider"/>, moved under that module's path so that they apply to the model's full names.
    /// </summary>
    internal static ModuleNameAliases Of(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rules = new List<Rule>();
        foreach (var (path, module) in model.named_modules())
        {
            if (module is IModuleNameAliasProvider provider)
            {
                rules.AddRange(provider.ModuleNameAliases._rules.Select(r => r.Under(path)));
            }
        }

        return rules.Count == 0 ? None : new ModuleNameAliases(rules.ToArray());
    }

    /// <summary>The alias of one of the model's module paths or tensor names; null when no rule applies.</summary>
    internal string? ToAlias(string modelName) => Rewrite(modelName, toAlias: true);

    /// <summary>The model's own name for an aliased module path or tensor name; null when no rule applies.</summary>
    internal string? ToModelName(string alias) => Rewrite(alias, toAlias: false);

    private string? Rewrite(string name, bool toAlias)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var rule in _rules)
        {
            var (from, to) = toAlias ? (rule.ModelName, rule.Alias) : (rule.Alias, rule.ModelName);
            if (from.TryRewrite(name, to) is { } rewritten)
            {
                return rewritten;
            }
        }

        return null;
    }

    private sealed class Rule
    {
        internal Rule(Pattern modelName, Pattern alias)
        {
            if (modelName.IndexCount != alias.IndexCount)
            {
                throw new ArgumentException($"The module name patterns '{modelName.Text}' and '{alias.Text}' must hold the same number of {Pattern.Index}.");
            }

            ModelName = modelName;
            Alias = alias;
        }

        internal Pattern ModelName { get; }

        internal Pattern Alias { get; }

        internal Rule Under(string prefix) => prefix.Length == 0 ? this : new Rule(ModelName.Under(prefix), Alias.Under(prefix));
    }

    /// <summary>A dotted name pattern whose <c>{n}</c> segments match a layer index.</summary>
    private sealed class Pattern
    {
        internal const string Index = "{n}";

        private readonly Regex _regex;

        internal Pattern(string text)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(text);
            string[] segments = text.Split('.');
            if (segments.Any(s => s.Length == 0))
            {
                throw new ArgumentException($"The module name pattern '{text}' has an empty segment.", nameof(text));
            }

            Text = text;
            Segments = segments;
            IndexCount = segments.Count(s => s == Index);

            // The whole pattern, then the end of the name or a dot: "layers.1" does not match "layers.10".
            string body = string.Join("\\.", segments.Select(s => s == Index ? "(\\d+)" : Regex.Escape(s)));
            _regex = new Regex($"^{body}(?=\\.|$)", RegexOptions.CultureInvariant);
        }

        internal string Text { get; }

        internal int IndexCount { get; }

        private string[] Segments { get; }

        internal Pattern Under(string prefix) => new(prefix + "." + Text);

        /// <summary>The name with the leading run this pattern matches replaced by <paramref name="target"/>; null when it does not match.</summary>
        internal string? TryRewrite(string name, Pattern target)
        {
            var match = _regex.Match(name);
            if (!match.Success)
            {
                return null;
            }

            var result = new StringBuilder();
            int index = 1;
            foreach (string segment in target.Segments)
            {
                result.Append(result.Length == 0 ? string.Empty : ".").Append(segment == Index ? match.Groups[index++].Value : segment);
            }

            return result.Append(name, match.Length, name.Length - match.Length).ToString();
        }
    }
}
