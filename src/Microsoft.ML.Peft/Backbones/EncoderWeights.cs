// Licensed under the MIT license. See LICENSE in the repository root.

using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Backbones;

/// <summary>Where a pretrained encoder's weights come from: a safetensors file read on each use, or tensors held in memory.</summary>
internal abstract class EncoderWeights
{
    /// <summary>Copies the weights into a freshly built encoder.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape.</exception>
    internal abstract void LoadInto(TextEncoder encoder, IReadOnlyList<string> prefixes);

    /// <summary>A safetensors checkpoint on disk. It is read again for every model built, so nothing large stays in memory between fits.</summary>
    internal sealed class File(string path) : EncoderWeights
    {
        internal string Path { get; } = path;

        internal override void LoadInto(TextEncoder encoder, IReadOnlyList<string> prefixes) =>
            CheckpointLoader.Load(encoder, Path, prefixes.ToArray());
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
        internal override void LoadInto(TextEncoder encoder, IReadOnlyList<string> prefixes) =>
            CheckpointLoader.Load(encoder, tensors, source, prefixes.ToArray(), absentModules);
    }
}
