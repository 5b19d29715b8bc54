// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;
using Microsoft.ML.Peft.Text.NamedEntityRecognition;

namespace Microsoft.ML.Peft;

/// <summary>Loads CoNLL-style named-entity corpora through <c>mlContext.Data</c>, beside ML.NET's <c>LoadFromTextFile</c>.</summary>
public static class ConllLoaderCatalog
{
    /// <summary>
    /// Loads a CoNLL-style column file, one sentence per row: <c>Tokens</c> (vector of String) and <c>Tags</c> (vector of
    /// String, one IOB2 tag per token).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each line holds a token and its tag in columns separated by <paramref name="separator"/>; other columns (part of
    /// speech, chunk) are ignored. Blank lines end sentences (several in a row are one break), <c>-DOCSTART-</c> lines are
    /// skipped, trailing whitespace and CRLF line ends are ignored. The file is read, and every tag checked, when this is
    /// called, so a bad line is reported here with its number.
    /// </para>
    /// <para>
    /// Tags in <see cref="TagScheme.Iob1"/> or <see cref="TagScheme.Bioes"/> are converted to IOB2, keeping exactly the
    /// entities seqeval's strict mode finds in the original scheme; tokens of invalid fragments (a BIOES <c>B-X I-X</c>
    /// with no <c>E-X</c>) become <c>O</c>. <see cref="TagScheme.Iob2"/> tags are kept as they are.
    /// </para>
    /// </remarks>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="path">The file.</param>
    /// <param name="tokenColumn">The token's column, 0-based; a negative number counts from the end of the line.</param>
    /// <param name="tagColumn">The tag's column, 0-based; a negative number counts from the end, so -1 is the last column.</param>
    /// <param name="separator">The column separator; null splits on any run of tabs and spaces.</param>
    /// <param name="scheme">The tag scheme of the file.</param>
    /// <returns>One row per sentence, with the columns <c>Tokens</c> and <c>Tags</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, the two columns are the same, or <paramref name="separator"/> is a line break.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist (<see cref="DirectoryNotFoundException"/> when its folder does not).</exception>
    /// <exception cref="InvalidDataException">
    /// A line has too few columns, an empty token or a tag that is malformed or not of <paramref name="scheme"/>, or the
    /// file holds no sentence; the message names the file and the line.
    /// </exception>
    /// <example>
    /// <code language="csharp">
    /// // CoNLL-2003: "EU NNP B-NP B-ORG", tags in IOB1 in the last column.
    /// var train = mlContext.Data.LoadFromConllFile("eng.train", scheme: TagScheme.Iob1);
    /// </code>
    /// </example>
    public static IDataView LoadFromConllFile(
        this DataOperationsCatalog catalog,
        string path,
        int tokenColumn = 0,
        int tagColumn = -1,
        char? separator = null,
        TagScheme scheme = TagScheme.Iob2)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (tokenColumn == tagColumn)
        {
            throw new ArgumentException($"The token and the tag column must differ, both are {tokenColumn}.", nameof(tagColumn));
        }

        if (separator is '\n' or '\r')
        {
            throw new ArgumentException("The column separator cannot be a line break; lines are sentences' tokens. Pass '\\t', ' ' or null (tabs and spaces).", nameof(separator));
        }

        EntityTag.Name(scheme); // throws for a value outside the enum, before the file is read
        var sentences = ConllReader.Read(path, tokenColumn, tagColumn, separator, scheme);

        // Arrays would load as variable-size vectors anyway; the definition says so where a reader looks for it.
        var definition = SchemaDefinition.Create(typeof(ConllSentence));
        definition[nameof(ConllSentence.Tokens)].ColumnType = new VectorDataViewType(TextDataViewType.Instance);
        definition[nameof(ConllSentence.Tags)].ColumnType = new VectorDataViewType(TextDataViewType.Instance);
        return catalog.LoadFromEnumerable(sentences, definition);
    }
}
