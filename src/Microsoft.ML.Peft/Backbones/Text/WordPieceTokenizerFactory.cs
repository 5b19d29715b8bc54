// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>Creates Microsoft.ML.Tokenizers' WordPiece <see cref="BertTokenizer"/> from a Hugging Face model folder's files.</summary>
internal static class WordPieceTokenizerFactory
{
    internal const string VocabFileName = "vocab.txt";
    internal const string TokenizerConfigFileName = "tokenizer_config.json";

    /// <summary>Reads the tokenizer files of <paramref name="directory"/>; see <see cref="Create(IReadOnlyDictionary{string, byte[]}, string)"/>.</summary>
    /// <exception cref="FileNotFoundException"><c>vocab.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException"><c>tokenizer_config.json</c> is malformed.</exception>
    internal static BertTokenizer Create(string directory)
    {
        string vocabPath = Path.Combine(directory, VocabFileName);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"The model folder '{directory}' has no {VocabFileName}, which a WordPiece (BERT) tokenizer needs.", vocabPath);
        }

        var files = new Dictionary<string, byte[]> { [VocabFileName] = File.ReadAllBytes(vocabPath) };
        string configPath = Path.Combine(directory, TokenizerConfigFileName);
        if (File.Exists(configPath))
        {
            files[TokenizerConfigFileName] = File.ReadAllBytes(configPath);
        }

        return Create(files, directory);
    }

    /// <summary>
    /// Builds the tokenizer from <c>vocab.txt</c> (LF or CRLF) and honours <c>do_lower_case</c>, <c>strip_accents</c> (which, as in
    /// Hugging Face, follows <c>do_lower_case</c> when null) and <c>tokenize_chinese_chars</c> from <c>tokenizer_config.json</c> when present.
    /// </summary>
    /// <param name="files">File name to content.</param>
    /// <param name="source">Where the files came from, for error messages.</param>
    /// <exception cref="FileNotFoundException"><c>vocab.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException"><c>tokenizer_config.json</c> is malformed.</exception>
    internal static BertTokenizer Create(IReadOnlyDictionary<string, byte[]> files, string source)
    {
        if (!files.TryGetValue(VocabFileName, out var vocabBytes))
        {
            throw new FileNotFoundException($"'{source}' has no {VocabFileName}, which a WordPiece (BERT) tokenizer needs.", Path.Combine(source, VocabFileName));
        }

        bool lowerCase = true;
        bool? stripAccents = null;
        bool chinese = true;
        if (files.TryGetValue(TokenizerConfigFileName, out var configBytes))
        {
            try
            {
                var json = JsonNode.Parse(configBytes) as JsonObject
                    ?? throw new InvalidDataException($"'{Path.Combine(source, TokenizerConfigFileName)}' must hold a JSON object.");
                lowerCase = json["do_lower_case"] is null || JsonValues.Bool(json["do_lower_case"], "do_lower_case");
                stripAccents = json["strip_accents"] is null ? null : JsonValues.Bool(json["strip_accents"], "strip_accents");
                chinese = json["tokenize_chinese_chars"] is null || JsonValues.Bool(json["tokenize_chinese_chars"], "tokenize_chinese_chars");
            }
            catch (Exception ex) when (ex is JsonException or FormatException)
            {
                throw new InvalidDataException($"'{Path.Combine(source, TokenizerConfigFileName)}': {ex.Message}", ex);
            }
        }

        using var vocab = new MemoryStream(vocabBytes, writable: false);
        return Create(vocab, lowerCase, stripAccents, chinese);
    }

    /// <summary>
    /// Number of tokens in <c>vocab.txt</c>: one per line, the id being the line number, as Hugging Face's <c>load_vocab</c> reads
    /// it (a final line break does not start another token); null when the files have no <c>vocab.txt</c>.
    /// </summary>
    internal static int? VocabularySize(IReadOnlyDictionary<string, byte[]> files)
    {
        if (!files.TryGetValue(VocabFileName, out var bytes))
        {
            return null;
        }

        int lines = bytes.AsSpan().Count((byte)'\n');
        return bytes.Length > 0 && bytes[^1] != (byte)'\n' ? lines + 1 : lines;
    }

    /// <summary>
    /// Creates the tokenizer from the contents of a <c>vocab.txt</c> (LF or CRLF), for vocabularies that are not files,
    /// such as a resource shipped beside an ONNX model. The options mean what the <c>tokenizer_config.json</c> fields of
    /// the same names mean; the defaults are Hugging Face's.
    /// </summary>
    /// <param name="vocab">One token per line, the line number being the id; read to its end, not closed.</param>
    /// <param name="lowerCase"><c>do_lower_case</c>.</param>
    /// <param name="stripAccents"><c>strip_accents</c>; null follows <paramref name="lowerCase"/>, as in Hugging Face.</param>
    /// <param name="tokenizeChineseChars"><c>tokenize_chinese_chars</c>.</param>
    internal static BertTokenizer Create(Stream vocab, bool lowerCase = true, bool? stripAccents = null, bool tokenizeChineseChars = true)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        return BertTokenizer.Create(vocab, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = stripAccents ?? lowerCase,
            IndividuallyTokenizeCjk = tokenizeChineseChars,
        });
    }
}
