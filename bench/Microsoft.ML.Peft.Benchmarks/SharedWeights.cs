// Licensed under the MIT license. See LICENSE in the repository root.

using System.Buffers.Binary;
using Microsoft.ML.Peft.Formats.SafeTensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The weights, LoRA A matrices and batch that the PyTorch script writes (pytorch/bert_step.py, <c>--mode init</c>), read
/// into a child's own network so both sides of the comparison start identical. The model file uses Hugging Face's
/// <c>BertForSequenceClassification</c> keys, which are our parameter names too.
/// </summary>
internal static class SharedWeights
{
    internal const string ModelFile = "model.safetensors";
    internal const string LoraFile = "lora.safetensors";
    internal const string BatchFile = "batch.safetensors";

    /// <summary>Overwrites every parameter of <paramref name="network"/>; the file must hold exactly those names.</summary>
    internal static void LoadModel(nn.Module network, string folder) =>
        LoadInto(Path.Combine(folder, ModelFile), network.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));

    /// <summary>Overwrites the A matrix of every LoRA layer (B starts at zero on both sides).</summary>
    internal static void LoadLoraA(PeftModel peft, string folder)
    {
        // PEFT's in-memory name base_model.model.bert.….query.lora_A.default.weight is bert.….query.lora_A.weight in the file.
        const string Root = "base_model.model.";
        string adapter = $".lora_A.{peft.ActiveAdapter}.";
        var targets = peft.NamedTrainableParameters()
            .Where(p => p.Name.Contains(adapter, StringComparison.Ordinal))
            .ToDictionary(p => p.Name[Root.Length..].Replace(adapter, ".lora_A.", StringComparison.Ordinal), p => (Tensor)p.Parameter);
        LoadInto(Path.Combine(folder, LoraFile), targets);
    }

    /// <summary>
    /// Reads each tensor of the file straight into the tensor of the same name, one at a time, so that no second copy of
    /// the weights is ever resident and the peak RSS is the training's, as in a run that draws its own weights.
    /// </summary>
    private static void LoadInto(string path, IReadOnlyDictionary<string, Tensor> targets)
    {
        var entries = SafeTensorsFile.ReadHeader(path, out _).ToDictionary(e => e.Name);
        var missing = targets.Keys.Where(k => !entries.ContainsKey(k)).Concat(entries.Keys.Where(k => !targets.ContainsKey(k))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"'{path}' and the network differ in {missing.Count} names, e.g. {string.Join(", ", missing.Take(3))}.");
        }

        using var stream = File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(length);
        using var noGrad = no_grad();
        foreach (var (name, target) in targets)
        {
            var entry = entries[name];
            if (entry.DType != "F32" || target.dtype != ScalarType.Float32 || !entry.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"'{path}': {name} is {entry.DType} [{string.Join(", ", entry.Shape)}], the network's {target.dtype} [{string.Join(", ", target.shape)}].");
            }

            stream.Position = dataStart + entry.Begin;
            stream.ReadExactly(target.bytes);
        }
    }
}
