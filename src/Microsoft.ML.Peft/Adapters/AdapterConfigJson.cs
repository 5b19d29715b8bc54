// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Adapters;

/// <summary>
/// Reads and writes PEFT's <c>adapter_config.json</c>. The shared fields are defined here, each method's own
/// fields by its <see cref="PeftMethod"/>. Unknown fields survive a re-save, and a known field whose value has not
/// changed is written back exactly as it was read (so <c>0.0</c> stays <c>0.0</c>).
/// </summary>
internal static class AdapterConfigJson
{
    internal const string FileName = "adapter_config.json";
    internal const string PeftTypeField = "peft_type";

    private static readonly ConfigJsonField[] s_sharedFields =
    {
        new("task_type", (c, n) => c.TaskType = JsonValues.OptionalString(n, "task_type"), c => c.TaskType),
        new("base_model_name_or_path", (c, n) => c.BaseModelNameOrPath = JsonValues.OptionalString(n, "base_model_name_or_path"), c => c.BaseModelNameOrPath),
        new("revision", (c, n) => c.Revision = JsonValues.OptionalString(n, "revision"), c => c.Revision),
        new("inference_mode", (c, n) => c.InferenceMode = n is not null && JsonValues.Bool(n, "inference_mode"), c => c.InferenceMode),
        new("target_modules", (c, n) => c.TargetModules = ModuleSelectorJson.Read(n, "target_modules"), c => ModuleSelectorJson.Write(c.TargetModules)),
        new("exclude_modules", (c, n) => c.ExcludeModules = ModuleSelectorJson.Read(n, "exclude_modules"), c => ModuleSelectorJson.Write(c.ExcludeModules)),
        new("layers_to_transform", (c, n) => c.LayersToTransform = JsonValues.OptionalIntList(n, "layers_to_transform"), c => JsonValues.IntList(c.LayersToTransform)),
        new("layers_pattern", (c, n) => c.LayersPattern = JsonValues.OptionalStringList(n, "layers_pattern"), c => JsonValues.StringList(c.LayersPattern)),
        new("modules_to_save", (c, n) => c.ModulesToSave = JsonValues.OptionalStringList(n, "modules_to_save"), c => JsonValues.StringList(c.ModulesToSave)),
    };

    internal static bool IsKnownField(PeftConfig config, string name) =>
        name == PeftTypeField
        || s_sharedFields.Any(f => f.Name == name)
        || PeftMethodRegistry.ForConfig(config).JsonFields.Any(f => f.Name == name);

    /// <summary>Reads a configuration file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a field has the wrong type.</exception>
    /// <exception cref="NotSupportedException">The method, or one of its options, is not implemented here.</exception>
    internal static PeftConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The adapter configuration '{path}' does not exist.", path);
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path, Encoding.UTF8));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }

        if (root is not JsonObject document)
        {
            throw new InvalidDataException($"'{path}' must hold a JSON object.");
        }

        return Parse(document, path);
    }

    /// <summary>Turns a parsed <c>adapter_config.json</c> into the method's configuration.</summary>
    internal static PeftConfig Parse(JsonObject document, string source)
    {
        if (!document.TryGetPropertyValue(PeftTypeField, out var typeNode) || typeNode?.GetValueKind() != JsonValueKind.String)
        {
            throw new InvalidDataException($"'{source}' has no string `{PeftTypeField}` field, so the PEFT method is unknown.");
        }

        PeftMethod method;
        try
        {
            method = PeftMethodRegistry.ForPeftType(typeNode.GetValue<string>());
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new NotSupportedException($"'{source}': {ex.Message}", ex);
        }

        method.CheckUnsupportedFields(document, source);
        var config = method.CreateConfig();
        try
        {
            foreach (var field in s_sharedFields.Where(f => !method.AbsentSharedFields.Contains(f.Name)).Concat(method.JsonFields))
            {
                if (document.TryGetPropertyValue(field.Name, out var node))
                {
                    field.Read(config, node);
                }
            }

            config.Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new NotSupportedException($"'{source}': {ex.Message}", ex);
        }

        config.SourceDocument = document.DeepClone().AsObject();
        return config;
    }

    /// <summary>The JSON document of a configuration, keys sorted as PEFT writes them.</summary>
    internal static JsonObject ToJson(PeftConfig config)
    {
        var method = PeftMethodRegistry.ForConfig(config);
        var source = config.SourceDocument;
        var values = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (source is not null)
        {
            foreach (var (key, value) in source)
            {
                values[key] = value?.DeepClone();
            }
        }

        values[PeftTypeField] = JsonValue.Create(config.PeftType);
        foreach (var field in s_sharedFields.Where(f => !method.AbsentSharedFields.Contains(f.Name)).Concat(method.JsonFields))
        {
            var node = field.Write(config);
            if (source is null || !source.TryGetPropertyValue(field.Name, out var original) || !JsonValues.SemanticallyEqual(original, node))
            {
                values[field.Name] = node;
            }
        }

        var result = new JsonObject();
        foreach (var (key, value) in values)
        {
            result[key] = value;
        }

        return result;
    }

    /// <summary>Writes the configuration atomically, indented as PEFT writes it.</summary>
    internal static void Write(PeftConfig config, string path)
    {
        string text = ToJson(config).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }
}
