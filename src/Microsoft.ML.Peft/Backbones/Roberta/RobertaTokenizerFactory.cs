// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Backbones.Roberta;

/// <summary>
/// RoBERTa's byte-level BPE (GPT-2's) from a Hugging Face model folder's <c>vocab.json</c> and <c>merges.txt</c>, through
/// Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> in byte-level mode, with RoBERTa's special tokens
/// <c>&lt;s&gt; a &lt;/s&gt;&lt;/s&gt; b &lt;/s&gt;</c> and token types all 0.
/// </summary>
/// <remarks>
/// <see cref="CodeGenTokenizer"/> implements the same algorithm, but its public factory fixes CodeGen's added tokens
/// (<c>&lt;|endoftext|&gt;</c> and runs of spaces and tabs at ids 50256–50294), which are other tokens in RoBERTa's vocabulary;
/// <see cref="EnglishRobertaTokenizer"/> needs fairseq's <c>dict.txt</c>, which Hugging Face folders do not have.
/// </remarks>
internal static class RobertaTokenizerFactory
{
    internal const string VocabFileName = "vocab.json";
    internal const string MergesFileName = "merges.txt";

    private const string Start = "<s>";
    private const string Separator = "</s>";
    private const string Pad = "<pad>";
    private const string Unknown = "<unk>";
    private const string Mask = "<mask>";

    // GPT-2's pre-tokenization, as Hugging Face's ByteLevel pre-tokenizer: contractions, then a word, number or punctuation
    // run with at most one leading space (which becomes part of the token, as 'Ġ'), then whitespace.
    private static readonly Regex s_gpt2Split = new(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
        RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>
    /// Builds the tokenizer; honours <c>add_prefix_space</c> of <c>tokenizer_config.json</c> when present (default false, as in
    /// Hugging Face: the first word then has no 'Ġ', later words do).
    /// </summary>
    /// <param name="files">File name to content.</param>
    /// <param name="maxLength">Longest sequence, special tokens included.</param>
    /// <param name="source">Where the files came from, for error messages.</param>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the vocabulary lacks a special token.</exception>
    internal static TextTokenizer Create(IReadOnlyDictionary<string, byte[]> files, int maxLength, string source)
    {
        var vocabulary = ReadVocabulary(Require(files, VocabFileName, source), Path.Combine(source, VocabFileName));
        var merges = ReadMerges(Require(files, MergesFileName, source));
        bool addPrefixSpace = ReadAddPrefixSpace(files, source);

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string token in new[] { Start, Pad, Separator, Unknown, Mask })
        {
            if (vocabulary.TryGetValue(token, out int id))
            {
                special[token] = id;
            }
            else if (token is Start or Separator or Pad)
            {
                throw new InvalidDataException($"'{Path.Combine(source, VocabFileName)}' has no \"{token}\", which RoBERTa's input layout needs.");
            }
        }

        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(s_gpt2Split, special),
                SpecialTokens = special,
                UnknownToken = special.ContainsKey(Unknown) ? Unknown : null,
            });
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException($"'{Path.Combine(source, MergesFileName)}' does not fit '{VocabFileName}': {ex.Message}", ex);
        }

        var layout = new SpecialTokenLayout(special[Start], special[Separator], special[Pad], DoubleSeparatorBetweenPair: true, SecondSegmentHasTypeOne: false)
        {
            MaskId = special.TryGetValue(Mask, out int mask) ? mask : null,
            UnknownId = special.TryGetValue(Unknown, out int unknown) ? unknown : null,
        };
        return new TextTokenizer(
            text => bpe.EncodeToIds(addPrefixSpace ? WithPrefixSpace(text) : text),
            layout,
            maxLength,
            files,
            word => TextTokenizer.OrUnknown(bpe.EncodeToIds(WordWithPrefixSpace(word)), layout.UnknownId),
            vocabulary.Count,
            SplitWords);
    }

    /// <summary>
    /// The words of a raw text as GPT-2's pre-tokenization cuts it, with offsets into the original string: each match of the
    /// pattern without its leading space (which <see cref="WordWithPrefixSpace"/> puts back), whitespace runs dropped.
    /// </summary>
    internal static IReadOnlyList<WordSpan> SplitWords(string? text)
    {
        var words = new List<WordSpan>();
        if (string.IsNullOrEmpty(text))
        {
            return words;
        }

        foreach (Match match in s_gpt2Split.Matches(text))
        {
            int skip = match.Value[0] == ' ' ? 1 : 0;
            if (match.Length > skip && !char.IsWhiteSpace(match.Value[skip]))
            {
                words.Add(new WordSpan(match.Index + skip, match.Length - skip));
            }
        }

        return words;
    }

    // Hugging Face's byte-level add_prefix_space: one space before a text that does not start with one.
    private static string WithPrefixSpace(string text) => text.Length == 0 || text[0] == ' ' ? text : " " + text;

    // A pre-split word always gets its space, whatever tokenizer_config.json says: Hugging Face only accepts pre-split input
    // with add_prefix_space=True, whose ByteLevel pre-tokenizer then prefixes every word, the first one included.
    private static string WordWithPrefixSpace(string word) => word.StartsWith(' ') ? word : " " + word;

    private static byte[] Require(IReadOnlyDictionary<string, byte[]> files, string name, string source) =>
        files.TryGetValue(name, out var bytes)
            ? bytes
            : throw new FileNotFoundException($"'{source}' has no {name}, which a byte-level BPE (RoBERTa) tokenizer needs.", Path.Combine(source, name));

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

    private static bool ReadAddPrefixSpace(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        if (!files.TryGetValue(WordPieceTokenizerFactory.TokenizerConfigFileName, out var bytes))
        {
            return false;
        }

        string path = Path.Combine(source, WordPieceTokenizerFactory.TokenizerConfigFileName);
        try
        {
            var json = JsonNode.Parse(bytes) as JsonObject ?? throw new InvalidDataException($"'{path}' must hold a JSON object.");
            return json["add_prefix_space"] is not null && JsonValues.Bool(json["add_prefix_space"], "add_prefix_space");
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw new InvalidDataException($"'{path}': {ex.Message}", ex);
        }
    }
}
