// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>Copies a Hugging Face checkpoint into a module whose parameter names equal the checkpoint keys.</summary>
internal static class CheckpointLoader
{
    /// <summary>
    /// Loads every parameter and buffer of <paramref name="module"/> from the safetensors file <paramref name="path"/>. Keys may carry one of
    /// <paramref name="prefixes"/> (e.g. <c>bert.</c> in a BertForSequenceClassification checkpoint); checkpoint keys the
    /// module has no use for (heads, <c>position_ids</c>) are ignored.
    /// </summary>
    /// <exception cref="InvalidDataException">A key is missing or has another shape; the message names the key, the file and both shapes.</exception>
    internal static void Load(nn.Module module, string path, params string[] prefixes)
    {
        using var scope = NewDisposeScope();
        Load(module, SafeTensorsFile.Read(path), path, prefixes);
    }

    /// <summary>Loads <paramref name="module"/> from tensors already in memory; <paramref name="source"/> names them in errors.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="checkpoint">The tensors by checkpoint key.</param>
    /// <param name="source">Where they came from, for messages.</param>
    /// <param name="prefixes">Prefixes the keys may carry.</param>
    /// <param name="absentModules">Modules the source is known not to hold (their parameters keep their initial values).</param>
    /// <exception cref="InvalidDataException">A key is missing or has another shape.</exception>
    internal static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> checkpoint, string source, string[] prefixes, IReadOnlyCollection<string>? absentModules = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, target) in module.state_dict())
        {
            if (absentModules is not null && absentModules.Any(m => name.StartsWith(m + ".", StringComparison.Ordinal)))
            {
                continue;
            }

            string? key = prefixes.Prepend(string.Empty).Select(p => p + name).FirstOrDefault(checkpoint.ContainsKey);
            if (key is null)
            {
                throw new InvalidDataException($"'{source}' has no tensor '{name}' (also tried the prefixes {string.Join(", ", prefixes.Select(p => $"'{p}'"))}); it does not hold this architecture's weights.");
            }

            var value = checkpoint[key];
            if (!value.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException(
                    $"'{source}': tensor '{key}' has shape [{string.Join(", ", value.shape)}] but the model built from config.json expects [{string.Join(", ", target.shape)}].");
            }

            target.copy_(value.to(target.dtype, target.device));
        }
    }
}
