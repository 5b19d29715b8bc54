// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Tests.Backbones.DistilBert;
using Microsoft.ML.Peft.Tests.Backbones.Roberta;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// Hugging Face model folders (config.json, model.safetensors, tokenizer files) of tiny random encoders of each supported
/// architecture, and words their vocabularies know. Building the weights is the one place this needs the library's
/// internals: a fresh encoder of the architecture gives the exact Hugging Face key names and shapes.
/// </summary>
internal static class TinyBackboneFolders
{
    /// <summary>The architectures the matrix covers, as Hugging Face model_type strings.</summary>
    internal static readonly string[] ModelTypes = { "bert", "roberta", "distilbert" };

    /// <summary>Whole words the architecture's tiny vocabulary encodes without falling back to unknown tokens.</summary>
    internal static string[] Words(string modelType) => modelType switch
    {
        "bert" => TinyBertFolder.Words,
        "roberta" => new[] { "low", "lower", "newer", "new" },
        "distilbert" => new[] { "the", "cat", "sat", "on", "mat", "a", "dog", "ran" },
        _ => throw new ArgumentOutOfRangeException(nameof(modelType), modelType, "No tiny folder for this architecture."),
    };

    /// <summary>Writes the folder of <paramref name="modelType"/> to <paramref name="directory"/> with weights drawn from <paramref name="seed"/>.</summary>
    internal static string Write(string modelType, string directory, int seed = 7)
    {
        if (modelType == "bert")
        {
            return TinyBertFolder.Write(directory, seed);
        }

        Directory.CreateDirectory(directory);
        var config = modelType switch
        {
            "roberta" => RobertaModelTests.TinyConfig(),
            "distilbert" => DistilBertModelTests.TinyConfig(),
            _ => throw new ArgumentOutOfRangeException(nameof(modelType), modelType, "No tiny folder for this architecture."),
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        var files = modelType == "roberta" ? RobertaTokenizerFactoryTests.Files() : DistilBertModelTests.WordPieceFiles();
        foreach (var (name, bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }

        WriteWeights(config, Path.Combine(directory, "model.safetensors"), seed);
        return directory;
    }

    private static void WriteWeights(JsonObject config, string path, int seed)
    {
        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var encoder = BackboneRegistry.Get(config["model_type"]!.GetValue<string>(), "tiny").CreateEncoder(config, "tiny");
        SafeTensorsFile.Write(path, encoder.state_dict(), metadata: null);
    }
}
