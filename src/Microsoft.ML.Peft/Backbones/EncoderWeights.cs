// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Formats.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>Where a pretrained backbone's weights come from: a safetensors file read on each use, or tensors held in memory.</summary>
internal abstract class EncoderWeights
{
    /// <summary>Copies the weights into a freshly built encoder.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape.</exception>
    internal abstract void LoadInto(nn.Module encoder, IReadOnlyList<string> prefixes);

    /// <summary>
    /// Loads <paramref name="module"/> (a task head) from the keys <paramref name="keyPrefix"/> + its parameter names when the source
    /// holds any of them; returns false, leaving the module as it is, when it holds none (e.g. a sentence-transformers
    /// checkpoint has no <c>cls.*</c> head).
    /// </summary>
    /// <exception cref="InvalidDataException">The source holds part of the head, or a tensor of another shape.</exception>
    internal abstract bool TryLoad(nn.Module module, string keyPrefix);

    private static bool HoldsAny(nn.Module module, string keyPrefix, Func<string, bool> contains)
    {
        using var scope = NewDisposeScope();
        return module.state_dict().Keys.Any(name => contains(keyPrefix + name));
    }

    /// <summary>A safetensors checkpoint on disk. It is read again for every model built, so nothing large stays in memory between fits.</summary>
    internal sealed class File(string path) : EncoderWeights
    {
        internal string Path { get; } = path;

        internal override void LoadInto(nn.Module encoder, IReadOnlyList<string> prefixes) =>
            CheckpointLoader.Load(encoder, Path, prefixes.ToArray());

        internal override bool TryLoad(nn.Module module, string keyPrefix)
        {
            var names = SafeTensorsFile.ReadHeader(Path, out _).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            if (!HoldsAny(module, keyPrefix, names.Contains))
            {
                return false;
            }

            CheckpointLoader.Load(module, Path, keyPrefix);
            return true;
        }
    }

    /// <summary>
    /// Tensors already in memory (an ONNX import, which cannot be re-read cheaply). They are detached from every dispose
    /// scope and live as long as the <see cref="PretrainedModel"/>.
    /// </summary>
    /// <param name="tensors">The weights by Hugging Face key.</param>
    /// <param name="source">Where they came from, for messages.</param>
    /// <param name="absentModules">Modules the source does not hold (e.g. a pooler an export dropped); they keep their initial values.</param>
    internal sealed class InMemory(IReadOnlyDictionary<string, Tensor> tensors, string source, IReadOnlyCollection<string> absentModules) : EncoderWeights
    {
        internal override void LoadInto(nn.Module encoder, IReadOnlyList<string> prefixes) =>
            CheckpointLoader.Load(encoder, tensors, source, prefixes.ToArray(), absentModules);

        internal override bool TryLoad(nn.Module module, string keyPrefix)
        {
            if (!HoldsAny(module, keyPrefix, tensors.ContainsKey))
            {
                return false;
            }

            CheckpointLoader.Load(module, tensors, source, new[] { keyPrefix });
            return true;
        }
    }
}
