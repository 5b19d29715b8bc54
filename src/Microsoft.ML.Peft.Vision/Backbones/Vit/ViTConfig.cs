// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Vision.Backbones.Vit;

/// <summary>
/// The fields of a Hugging Face ViT <c>config.json</c> (<c>ViTConfig</c>) that shape the encoder. Fields a real file may omit
/// take <c>ViTConfig</c>'s defaults. Fields that do not change the encoder built here (<c>encoder_stride</c>, which only the
/// masked-image-modeling decoder reads; <c>pooler_output_size</c> and <c>pooler_act</c>, since
/// <c>ViTForImageClassification</c> builds no pooler; <c>initializer_range</c>) are ignored.
/// </summary>
internal sealed record ViTConfig(
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    string HiddenAct,
    double LayerNormEps,
    int ImageSize,
    int PatchSize,
    int NumChannels,
    bool QkvBias,
    double HiddenDropout,
    double AttentionDropout)
{
    /// <summary>The <c>model_type</c> of a ViT <c>config.json</c>.</summary>
    internal const string ModelType = "vit";

    /// <summary>The patches along one side of the image.</summary>
    internal int PatchesPerSide => ImageSize / PatchSize;

    /// <summary>The patches of one image; the encoder's sequence is these plus the class token.</summary>
    internal int PatchCount => PatchesPerSide * PatchesPerSide;

    /// <summary>Builds the configuration from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A field is missing, malformed or unsupported; the message names the file and the field.</exception>
    internal static ViTConfig FromJson(JsonObject json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var config = new ViTConfig(
                Int(json, "hidden_size", 768),
                Int(json, "num_hidden_layers", 12),
                Int(json, "num_attention_heads", 12),
                Int(json, "intermediate_size", 3072),
                HiddenActivationName(json["hidden_act"]),
                json["layer_norm_eps"] is null ? 1e-12 : JsonValues.Number(json["layer_norm_eps"], "layer_norm_eps"),
                Side(json["image_size"], "image_size", 224),
                Side(json["patch_size"], "patch_size", 16),
                Int(json, "num_channels", 3),
                json["qkv_bias"] is null || JsonValues.Bool(json["qkv_bias"], "qkv_bias"),
                Probability(json, "hidden_dropout_prob"),
                Probability(json, "attention_probs_dropout_prob"));
            config.Validate();
            return config;
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"'{source}': {ex.Message}", ex);
        }
    }

    /// <summary>The configuration as Hugging Face's <c>config.json</c> fields.</summary>
    internal JsonObject ToJson() => new()
    {
        ["model_type"] = ModelType,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["intermediate_size"] = IntermediateSize,
        ["hidden_act"] = HiddenAct,
        ["layer_norm_eps"] = LayerNormEps,
        ["image_size"] = ImageSize,
        ["patch_size"] = PatchSize,
        ["num_channels"] = NumChannels,
        ["qkv_bias"] = QkvBias,
        ["hidden_dropout_prob"] = HiddenDropout,
        ["attention_probs_dropout_prob"] = AttentionDropout,
    };

    private static int Int(JsonObject json, string field, int defaultValue) =>
        json[field] is null ? defaultValue : JsonValues.Int(json[field], field);

    private static double Probability(JsonObject json, string field)
    {
        double value = json[field] is null ? 0.0 : JsonValues.Number(json[field], field);
        return value is >= 0 and < 1 ? value : throw new FormatException($"`{field}` must be in [0, 1), got {value}.");
    }

    private static string HiddenActivationName(JsonNode? node)
    {
        // Hugging Face also accepts a Python callable here, which a config.json cannot hold.
        string name = JsonValues.OptionalString(node, "hidden_act") ?? "gelu";
        return HiddenActivation.Names.Contains(name)
            ? name
            : throw new FormatException($"`hidden_act` \"{name}\" is not supported; supported: {string.Join(", ", HiddenActivation.Names)}.");
    }

    // ViTConfig takes an int or a (height, width) pair; the encoder here is built for square images.
    private static int Side(JsonNode? node, string field, int defaultValue)
    {
        if (node is null)
        {
            return defaultValue;
        }

        if (node.GetValueKind() != JsonValueKind.Array)
        {
            return JsonValues.Int(node, field);
        }

        var sides = node.AsArray().Select((side, i) => JsonValues.Int(side, $"{field}[{i}]")).ToArray();
        return sides switch
        {
            [int height, int width] when height == width => height,
            [int height, int width] => throw new FormatException($"`{field}` [{height}, {width}] is not square; only square images and patches are supported."),
            _ => throw new FormatException($"`{field}` must be an integer or a [height, width] pair, got {node.ToJsonString()}."),
        };
    }

    private void Validate()
    {
        foreach (var (field, value) in new[]
        {
            ("hidden_size", HiddenSize), ("num_hidden_layers", NumHiddenLayers), ("num_attention_heads", NumAttentionHeads),
            ("intermediate_size", IntermediateSize), ("image_size", ImageSize), ("patch_size", PatchSize), ("num_channels", NumChannels),
        })
        {
            if (value <= 0)
            {
                throw new FormatException($"`{field}` must be positive, got {value}.");
            }
        }

        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new FormatException($"`hidden_size` ({HiddenSize}) must be a multiple of `num_attention_heads` ({NumAttentionHeads}).");
        }

        if (ImageSize % PatchSize != 0)
        {
            throw new FormatException($"`image_size` ({ImageSize}) must be a multiple of `patch_size` ({PatchSize}): the patches must tile the image.");
        }

        if (LayerNormEps <= 0)
        {
            throw new FormatException($"`layer_norm_eps` must be positive, got {LayerNormEps}.");
        }
    }
}
