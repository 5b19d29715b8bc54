// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Formats.SafeTensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A Hugging Face model folder with a tiny random BERT (2 layers, hidden 32) and a small WordPiece vocabulary, so estimator
/// tests run end to end in seconds with no downloaded model.
/// </summary>
internal static class TinyBertFolder
{
    /// <summary>Words of the vocabulary after the special tokens.</summary>
    internal static readonly string[] Words =
    {
        "the", "a", "is", "was", "movie", "film", "plot", "actor", "and", "very", "really", "not",
        "good", "great", "fine", "superb", "bad", "awful", "poor", "boring", "food", "service", "day", "it",
    };

    /// <summary>Writes config.json, model.safetensors (seeded random weights), vocab.txt and tokenizer_config.json to <paramref name="directory"/>.</summary>
    internal static string Write(string directory, int seed = 7, int maxPositions = 64)
    {
        Directory.CreateDirectory(directory);
        var vocab = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Concat(Words).ToArray();
        var config = new JsonObject
        {
            ["model_type"] = "bert",
            ["vocab_size"] = vocab.Length,
            ["hidden_size"] = 32,
            ["num_hidden_layers"] = 2,
            ["num_attention_heads"] = 4,
            ["intermediate_size"] = 64,
            ["max_position_embeddings"] = maxPositions,
            ["type_vocab_size"] = 2,
            ["hidden_act"] = "gelu",
            ["hidden_dropout_prob"] = 0.1,
            ["attention_probs_dropout_prob"] = 0.1,
            ["layer_norm_eps"] = 1e-12,
            ["pad_token_id"] = 0,
        };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString());
        File.WriteAllLines(Path.Combine(directory, "vocab.txt"), vocab);
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{\"do_lower_case\": true, \"model_max_length\": 512}");

        manual_seed(seed);
        using var scope = NewDisposeScope();
        using var model = new BertModel(BertConfig.FromJson(config, "tiny"));
        SafeTensorsFile.Write(Path.Combine(directory, "model.safetensors"), model.state_dict(), null);
        return directory;
    }
}
