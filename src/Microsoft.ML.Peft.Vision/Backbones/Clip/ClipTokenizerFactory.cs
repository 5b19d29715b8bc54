// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Vision.Backbones.Clip;

/// <summary>
/// CLIP's tokenizer from a Hugging Face model folder's <c>vocab.json</c> and <c>merges.txt</c>, through Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>: the text normalised by <see cref="ClipNormalizer"/> (NFC, whitespace runs to one space,
/// lower-case), split by CLIP's pattern (contractions, letter runs, single digits, other non-space runs; whitespace dropped),
/// each piece byte-level encoded and merged with <c>&lt;/w&gt;</c> marking its last symbol, then
/// <c>&lt;|startoftext|&gt; … &lt;|endoftext|&gt;</c> around it, truncated to the maximum length with the end token kept.
/// </summary>
/// <remarks>
/// The merging itself is the library's: <see cref="BpeOptions.EndOfWordSuffix"/> gives a word's last symbol the suffix
/// before merging, as Hugging Face's BPE model does for CLIP, and <see cref="BpeOptions.ByteLevel"/> maps the bytes as
/// GPT-2 does. Microsoft.ML.Tokenizers 3.0.0 has no CLIP pre-tokenizer or normaliser, so those two are CLIP's pattern in a
/// <see cref="RegexPreTokenizer"/> and <see cref="ClipNormalizer"/> (its <see cref="LowerCaseNormalizer"/> neither composes
/// nor collapses whitespace).
/// </remarks>
internal static partial class ClipTokenizerFactory
{
    internal const string VocabFileName = "vocab.json";
    internal const string MergesFileName = "merges.txt";
    internal const string TokenizerConfigFileName = "tokenizer_config.json";
    internal const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>The suffix CLIP's vocabulary gives a word's last symbol.</summary>
    internal const string EndOfWordSuffix = "</w>";

    internal const string StartOfText = "<|startoftext|>";
    internal const string EndOfText = "<|endoftext|>";

    /// <summary>The tokenizer's files, all read when present; the vocabulary and merges are needed to build it.</summary>
    internal static IReadOnlyList<string> FileNames { get; } = new[] { VocabFileName, MergesFileName, TokenizerConfigFileName, SpecialTokensMapFileName };

    /// <summary>Builds the tokenizer.</summary>
    /// <param name="files">File name to content.</param>
    /// <param name="maxPositions">The text tower's <c>max_position_embeddings</c>; a lower <c>model_max_length</c> of <c>tokenizer_config.json</c> wins.</param>
    /// <param name="source">Where the files came from, for error messages.</param>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the vocabulary lacks a special token.</exception>
    internal static TextTokenizer Create(IReadOnlyDictionary<string, byte[]> files, int maxPositions, string source)
    {
        string vocabPath = Path.Combine(source, VocabFileName);
        var vocabulary = ReadVocabulary(Require(files, VocabFileName, source), vocabPath);
        var merges = ReadMerges(Require(files, MergesFileName, source));
        var settings = ClipTokenizerSettings.Read(files, source);

        int Id(string token, string role) => vocabulary.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"'{vocabPath}' has no \"{token}\", CLIP's {role} token.");
        var special = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [settings.BosToken] = Id(settings.BosToken, "start"),
            [settings.EosToken] = Id(settings.EosToken, "end"),
            [settings.PadToken] = Id(settings.PadToken, "padding"),
            [settings.UnknownToken] = Id(settings.UnknownToken, "unknown"),
        };

        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                EndOfWordSuffix = EndOfWordSuffix,
                Normalizer = ClipNormalizer.Instance,
                PreTokenizer = new RegexPreTokenizer(ClipSplit(), special),
                SpecialTokens = special,
                UnknownToken = settings.UnknownToken,
            });
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException($"'{Path.Combine(source, MergesFileName)}' does not fit '{VocabFileName}': {ex.Message}", ex);
        }

        var layout = new SpecialTokenLayout(special[settings.BosToken], special[settings.EosToken], special[settings.PadToken], DoubleSeparatorBetweenPair: true, SecondSegmentHasTypeOne: false)
        {
            UnknownId = special[settings.UnknownToken],
        };
        int maxLength = settings.ModelMaxLength is int limit ? Math.Min(limit, maxPositions) : maxPositions;
        return new TextTokenizer(
            text => bpe.EncodeToIds(text),
            layout,
            maxLength,
            files,
            word => TextTokenizer.OrUnknown(bpe.EncodeToIds(word), layout.UnknownId),
            vocabulary.Count,
            SplitWords);
    }

    /// <summary>The words of a raw text as CLIP's pattern cuts it, with offsets into the original string (whitespace dropped).</summary>
    internal static IReadOnlyList<WordSpan> SplitWords(string? text) =>
        string.IsNullOrEmpty(text)
            ? Array.Empty<WordSpan>()
            : ClipSplit().Matches(text).Select(m => new WordSpan(m.Index, m.Length)).ToArray();

    // CLIP's pre-tokenization pattern (Hugging Face's CLIPTokenizer), case-insensitive as there: the special tokens whole,
    // English contractions, runs of letters, one digit at a time, runs of other non-space characters.
    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ClipSplit();

    private static byte[] Require(IReadOnlyDictionary<string, byte[]> files, string name, string source) =>
        files.TryGetValue(name, out var bytes)
            ? bytes
            : throw new FileNotFoundException($"'{source}' has no {name}, which the CLIP tokenizer needs.", Path.Combine(source, name));

    private static Dictionary<string, int> ReadVocabulary(byte[] bytes, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, int>>(bytes)
                ?? throw new InvalidDataException($"'{path}' must hold a JSON object of token to id.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' must hold a JSON object of token to id: {ex.Message}", ex);
        }
    }

    // One "left right" pair per line in rank order; the "#version" header and blank lines are not merges.
    private static List<string> ReadMerges(byte[] bytes) => Encoding.UTF8.GetString(bytes)
        .Split('\n')
        .Select(line => line.TrimEnd('\r'))
        .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal))
        .ToList();
}
