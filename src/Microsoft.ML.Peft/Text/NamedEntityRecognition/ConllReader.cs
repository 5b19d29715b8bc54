// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// Reads CoNLL-style column files: one token per line with its tag in another column, a blank line between sentences,
/// <c>-DOCSTART-</c> lines between documents. Tags are validated as the file is read, so an error names the line.
/// </summary>
internal static class ConllReader
{
    private const string DocumentStart = "-DOCSTART-";
    private static readonly char[] s_whitespace = [' ', '\t'];

    /// <summary>Every sentence of <paramref name="path"/>, tags normalised to IOB2.</summary>
    /// <exception cref="InvalidDataException">A line has too few columns or a bad tag, or the file has no sentence; the message names the file and line.</exception>
    internal static List<ConllSentence> Read(string path, int tokenColumn, int tagColumn, char? separator, TagScheme scheme)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, tokenColumn, tagColumn, separator, scheme);
    }

    /// <summary>Every sentence of <paramref name="reader"/>; <paramref name="source"/> names it in messages.</summary>
    internal static List<ConllSentence> Read(TextReader reader, string source, int tokenColumn, int tagColumn, char? separator, TagScheme scheme)
    {
        var sentences = new List<ConllSentence>();
        var tokens = new List<string>();
        var tags = new List<EntityTag>();
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;

            // Blank lines, also runs of them, and document starts only separate sentences.
            string[] fields = Split(line.TrimEnd(), separator);
            if (fields.Length == 0 || fields[0] == DocumentStart)
            {
                Flush(sentences, tokens, tags, scheme);
                continue;
            }

            int token = Resolve(tokenColumn, fields.Length);
            int tag = Resolve(tagColumn, fields.Length);
            if (token < 0 || tag < 0 || token == tag)
            {
                throw new InvalidDataException(
                    $"{source}:{lineNumber}: the line \"{Escape(line)}\" has {fields.Length} column(s), but the token column {Describe(tokenColumn)} and the tag column {Describe(tagColumn)} need two distinct ones. "
                    + $"Put a token and its tag on each line, separated by {(separator is { } s ? $"'{Escape(s)}'" : "a tab or spaces")}, and a blank line between sentences.");
            }

            if (!EntityTag.TryParse(fields[tag], scheme, out var parsed, out string error))
            {
                throw new InvalidDataException($"{source}:{lineNumber}: {error}.");
            }

            if (fields[token].Length == 0)
            {
                throw new InvalidDataException($"{source}:{lineNumber}: the line \"{Escape(line)}\" has an empty token in column {token}. Remove the stray separator or give the token.");
            }

            tokens.Add(fields[token]);
            tags.Add(parsed);
        }

        Flush(sentences, tokens, tags, scheme);
        if (sentences.Count == 0)
        {
            throw new InvalidDataException(
                $"{source} holds no sentences: expected lines of a token and its tag separated by {(separator is { } c ? $"'{Escape(c)}'" : "a tab or spaces")}, with a blank line between sentences.");
        }

        return sentences;
    }

    // No separator: any run of tabs and spaces, as conlleval splits. A separator: exactly that character, so tokens may hold
    // spaces when the columns are tab-separated.
    private static string[] Split(string line, char? separator) =>
        separator is { } c
            ? (line.Length == 0 ? [] : line.Split(c).Select(f => f.Trim()).ToArray())
            : line.Split(s_whitespace, StringSplitOptions.RemoveEmptyEntries);

    // A negative column counts from the end, as Python's indexing: -1 is the last.
    private static int Resolve(int column, int count) => column < 0 ? (count + column >= 0 ? count + column : -1) : (column < count ? column : -1);

    private static string Describe(int column) => column == -1 ? "(the last)" : column < 0 ? $"({-column} from the end)" : column.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Escape(char c) => c == '\t' ? "\\t" : c.ToString();

    private static string Escape(string line) => line.Replace("\t", "\\t", StringComparison.Ordinal);

    private static void Flush(List<ConllSentence> sentences, List<string> tokens, List<EntityTag> tags, TagScheme scheme)
    {
        if (tokens.Count == 0)
        {
            return;
        }

        sentences.Add(new ConllSentence { Tokens = tokens.ToArray(), Tags = TagSchemeConverter.ToIob2(tags, scheme) });
        tokens.Clear();
        tags.Clear();
    }
}
