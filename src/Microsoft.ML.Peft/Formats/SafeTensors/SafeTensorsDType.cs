// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;

namespace Microsoft.ML.Peft.Formats.SafeTensors;

/// <summary>Maps safetensors dtype names to TorchSharp scalar types and element sizes.</summary>
internal static class SafeTensorsDType
{
    private static readonly Dictionary<string, (torch.ScalarType Type, int Size)> s_byName = new(StringComparer.Ordinal)
    {
        ["F64"] = (torch.ScalarType.Float64, 8),
        ["F32"] = (torch.ScalarType.Float32, 4),
        ["F16"] = (torch.ScalarType.Float16, 2),
        ["BF16"] = (torch.ScalarType.BFloat16, 2),
        ["I64"] = (torch.ScalarType.Int64, 8),
        ["I32"] = (torch.ScalarType.Int32, 4),
        ["I16"] = (torch.ScalarType.Int16, 2),
        ["I8"] = (torch.ScalarType.Int8, 1),
        ["U8"] = (torch.ScalarType.Byte, 1),
        ["BOOL"] = (torch.ScalarType.Bool, 1),
    };

    internal static IEnumerable<string> Names => s_byName.Keys;

    internal static bool TryGetSize(string name, out int size)
    {
        bool found = s_byName.TryGetValue(name, out var entry);
        size = entry.Size;
        return found;
    }

    internal static string NameOf(torch.ScalarType type)
    {
        foreach (var (name, entry) in s_byName)
        {
            if (entry.Type == type)
            {
                return name;
            }
        }

        throw new NotSupportedException($"Tensors of type {type} cannot be stored in safetensors; supported: {string.Join(", ", s_byName.Keys)}.");
    }
}
