// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.RegularExpressions;

namespace Microsoft.ML.Peft.Methods;

/// <summary>Per-module overrides of a configuration value (<c>rank_pattern</c>, <c>alpha_pattern</c>), shared by LoRA, LoKr and LoHa.</summary>
internal static class ModulePatterns
{
    /// <summary>PEFT's get_pattern_key: the value of the first pattern p (in order) for which <c>(.*\.)?(p)$</c> matches the module name.</summary>
    internal static T? ValueFor<T>(IReadOnlyDictionary<string, T> patterns, string modulePath)
        where T : struct
    {
        foreach (var (pattern, value) in patterns)
        {
            if (Regex.IsMatch(modulePath, $"^(?:.*\\.)?(?:{pattern})$", RegexOptions.CultureInvariant))
            {
                return value;
            }
        }

        return null;
    }
}
