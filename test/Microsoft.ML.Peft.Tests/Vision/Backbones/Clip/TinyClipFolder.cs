// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats.SafeTensors;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>
/// A Hugging Face-style CLIP folder written from a fresh <see cref="ClipModel"/>: both towers one layer of width 16 with two
/// heads, 16-pixel images in four 8-pixel patches, eight text positions, the tokenizer of <see cref="TinyClipVocabulary"/>.
/// </summary>
internal static class TinyClipFolder
{
    /// <summary>The side of the images the tiny model reads.</summary>
    internal const int ImageSize = 16;

    /// <summary>The text tower's <c>max_position_embeddings</c>.</summary>
    internal const int MaxPositions = 8;

    /// <summary>The configuration of the tiny model.</summary>
    /// <param name="eosTokenId">The text tower's <c>eos_token_id</c> (2 for the legacy argmax pooling).</param>
    internal static JsonObject Config(int eosTokenId = TinyClipVocabulary.EndOfTextId) => new()
    {
        ["model_type"] = "clip",
        ["architectures"] = new JsonArray("CLIPModel"),
        ["projection_dim"] = 8,
        ["logit_scale_init_value"] = 2.6592,
        ["text_config"] = new JsonObject
        {
            ["vocab_size"] = TinyClipVocabulary.Size,
            ["hidden_size"] = 16,
            ["intermediate_size"] = 32,
            ["num_hidden_layers"] = 1,
            ["num_attention_heads"] = 2,
            ["max_position_embeddings"] = MaxPositions,
            ["bos_token_id"] = TinyClipVocabulary.StartOfTextId,
            ["eos_token_id"] = eosTokenId,
            ["pad_token_id"] = 1,
            ["hidden_act"] = "quick_gelu",
        },
        ["vision_config"] = new JsonObject
        {
            ["hidden_size"] = 16,
            ["intermediate_size"] = 32,
            ["num_hidden_layers"] = 1,
            ["num_attention_heads"] = 2,
            ["image_size"] = ImageSize,
            ["patch_size"] = 8,
            ["hidden_act"] = "quick_gelu",
        },
    };

    /// <summary>A fresh tiny model with weights drawn from <paramref name="seed"/>.</summary>
    internal static ClipModel Model(int seed = 7, int eosTokenId = TinyClipVocabulary.EndOfTextId)
    {
        manual_seed(seed);
        return new ClipModel(ClipConfig.FromJson(Config(eosTokenId), "tiny-clip"));
    }

    /// <summary>Writes the folder.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="seed">The weights' seed.</param>
    /// <param name="writeProcessor">Whether to write <c>preprocessor_config.json</c> (16-pixel shortest edge and crop, CLIP's mean and std).</param>
    /// <param name="writeTokenizer">Whether to write <c>vocab.json</c> and <c>merges.txt</c>.</param>
    internal static string Write(string directory, int seed = 7, bool writeProcessor = true, bool writeTokenizer = true)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), Config().ToJsonString());
        if (writeProcessor)
        {
            File.WriteAllText(
                Path.Combine(directory, "preprocessor_config.json"),
                $"{{\"image_processor_type\": \"CLIPImageProcessor\", \"do_resize\": true, \"size\": {{\"shortest_edge\": {ImageSize}}}, \"resample\": 3, \"do_center_crop\": true, \"crop_size\": {{\"height\": {ImageSize}, \"width\": {ImageSize}}}, \"do_rescale\": true, \"rescale_factor\": 0.00392156862745098, \"do_normalize\": true, \"image_mean\": [0.48145466, 0.4578275, 0.40821073], \"image_std\": [0.26862954, 0.26130258, 0.27577711]}}");
        }

        if (writeTokenizer)
        {
            TinyClipVocabulary.Write(directory);
        }

        using var scope = NewDisposeScope();
        using var model = Model(seed);
        SafeTensorsFile.Write(Path.Combine(directory, "model.safetensors"), model.state_dict(), metadata: null);
        return directory;
    }
}
