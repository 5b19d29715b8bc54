// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// The special tokens and length limit of a CLIP tokenizer, from <c>special_tokens_map.json</c> and
/// <c>tokenizer_config.json</c> when present (the latter wins, as Hugging Face reads it last), else <c>CLIPTokenizer</c>'s
/// defaults: <c>&lt;|startoftext|&gt;</c>, and <c>&lt;|endoftext|&gt;</c> as end, padding and unknown token.
/// </summary>
/// <param name="BosToken">The start-of-text token.</param>
/// <param name="EosToken">The end-of-text token.</param>
/// <param name="PadToken">The padding token.</param>
/// <param name="UnknownToken">The unknown token.</param>
/// <param name="ModelMaxLength">The tokenizer's <c>model_max_length</c>; null when absent or Hugging Face's "no limit" placeholder.</param>
internal sealed record ClipTokenizerSettings(string BosToken, string EosToken, string PadToken, string UnknownToken, int? ModelMaxLength)
{
    /// <summary>Reads the settings from the optional files.</summary>
    /// <exception cref="InvalidDataException">A file is not JSON or a field is malformed; the message names the file and the field.</exception>
    internal static ClipTokenizerSettings Read(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        var settings = new ClipTokenizerSettings(ClipTokenizerFactory.StartOfText, ClipTokenizerFactory.EndOfText, ClipTokenizerFactory.EndOfText, ClipTokenizerFactory.EndOfText, null);
        foreach (string name in new[] { ClipTokenizerFactory.SpecialTokensMapFileName, ClipTokenizerFactory.TokenizerConfigFileName })
        {
            if (files.TryGetValue(name, out var bytes))
            {
                settings = settings.Apply(bytes, Path.Combine(source, name));
            }
        }

        return settings;
    }

    private ClipTokenizerSettings Apply(byte[] bytes, string path)
    {
        try
        {
            var json = JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"'{path}' must hold a JSON object.");
            return this with
            {
                BosToken = Token(json, "bos_token") ?? BosToken,
                EosToken = Token(json, "eos_token") ?? EosToken,
                PadToken = Token(json, "pad_token") ?? PadToken,
                UnknownToken = Token(json, "unk_token") ?? UnknownToken,
                ModelMaxLength = MaxLength(json) ?? ModelMaxLength,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new InvalidDataException($"'{path}': {ex.Message}", ex);
        }
    }

    // A token is written as a string or as an AddedToken object with its text in "content".
    private static string? Token(JsonObject json, string field) => json[field] switch
    {
        null => null,
        JsonObject added => JsonValues.OptionalString(added["content"], $"{field}.content"),
        var node => JsonValues.OptionalString(node, field),
    };

    // Hugging Face writes int(1e30) for "no limit"; anything beyond an int is no limit here.
    private static int? MaxLength(JsonObject json)
    {
        if (json["model_max_length"] is not { } node)
        {
            return null;
        }

        double value = JsonValues.Number(node, "model_max_length");
        return value >= int.MaxValue ? null : JsonValues.Int(node, "model_max_length");
    }
}
