// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Formats;

/// <summary>
/// Hugging Face PEFT's naming of adapter tensors in <c>adapter_model.safetensors</c>.
/// </summary>
/// <remarks>
/// In memory a tensor is named <c>{module path}.lora_A.{adapter}.weight</c> (a module per adapter) or
/// <c>{module path}.lora_embedding_A.{adapter}</c> (a raw parameter per adapter). On disk the adapter name is
/// dropped where it is the second-to-last or the last segment, never in the middle (a module may share the
/// adapter's name), and the key is prefixed with <c>base_model.model.</c>.
/// </remarks>
internal static class PeftStateDictKeys
{
    internal const string Prefix = "base_model.model.";

    /// <summary>True when the in-memory name holds a tensor of <paramref name="adapterName"/>.</summary>
    internal static bool BelongsToAdapter(string name, string adapterName)
    {
        string[] parts = name.Split('.');
        return parts.Length >= 2
            && (parts[^1] == adapterName || (parts.Length >= 3 && parts[^2] == adapterName));
    }

    /// <summary>The saved name of an in-memory tensor name, as PEFT's <c>_remove_adapter_name_from_state_dict_key</c>.</summary>
    internal static string RemoveAdapterName(string name, string adapterName)
    {
        if (!name.Contains('.'))
        {
            return name;
        }

        string suffix = "." + adapterName;
        if (name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return name[..^suffix.Length];
        }

        int last = name.LastIndexOf('.');
        string head = name[..last];
        string tail = name[(last + 1)..];
        if (head.EndsWith(suffix, StringComparison.Ordinal))
        {
            head = head[..^suffix.Length];
        }

        return head + "." + tail;
    }

    /// <summary>The full saved key of a tensor of the module at <paramref name="modulePath"/>.</summary>
    internal static string ForModule(string modulePath, string relativeName) =>
        Prefix + (modulePath.Length == 0 ? relativeName : modulePath + "." + relativeName);
}
