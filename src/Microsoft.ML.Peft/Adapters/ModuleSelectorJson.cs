// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>A <see cref="ModuleSelector"/> as PEFT writes it in <c>adapter_config.json</c>: a regex string or a list of names.</summary>
internal static class ModuleSelectorJson
{
    /// <summary>null, a regex or "all-linear" string, or a list of module names (an empty list means none).</summary>
    /// <exception cref="FormatException">The value is neither a string nor a list of strings; the message names the field.</exception>
    internal static ModuleSelector? Read(JsonNode? node, string field)
    {
        if (node?.GetValueKind() == JsonValueKind.String)
        {
            return ModuleSelector.FromRegex(node.GetValue<string>());
        }

        var names = JsonValues.OptionalStringList(node, field);
        return names is null || names.Count == 0 ? null : ModuleSelector.FromNames(names);
    }

    internal static JsonNode? Write(ModuleSelector? selector) => selector?.Kind switch
    {
        null => null,
        ModuleSelectorKind.Names => JsonValues.StringList(selector.Names),
        _ => JsonValue.Create(selector.ToString()),
    };
}
