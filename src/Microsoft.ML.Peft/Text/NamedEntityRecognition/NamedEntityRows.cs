// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>Sentences read once from a data view: their words and, for training data, zero-based tag indices per word.</summary>
internal sealed class NamedEntityRows
{
    private NamedEntityRows(string[][] words, int[][]? tags)
    {
        Words = words;
        Tags = tags;
    }

    internal string[][] Words { get; }

    internal int[][]? Tags { get; }

    internal int Count => Words.Length;

    /// <summary>
    /// Reads every sentence. An empty sentence, a tags vector of another length than its tokens, and a missing tag (key 0: a
    /// tag that was not in the key dictionary) are refused with the row number, because training on them would be wrong silently.
    /// </summary>
    /// <param name="data">The data; its schema was checked already.</param>
    /// <param name="tokensColumn">The vector-of-text tokens column.</param>
    /// <param name="tagsColumn">The vector-of-key tags column, or null to read tokens only.</param>
    /// <param name="role">"training" or "validation", for messages.</param>
    internal static NamedEntityRows Read(IDataView data, string tokensColumn, string? tagsColumn, string role)
    {
        var tokens = data.Schema[tokensColumn];
        var tagColumn = tagsColumn is null ? (DataViewSchema.Column?)null : data.Schema[tagsColumn];
        var words = new List<string[]>();
        var tags = tagColumn is null ? null : new List<int[]>();
        using (var cursor = data.GetRowCursor(tagColumn is { } t ? new[] { tokens, t } : new[] { tokens }))
        {
            var getTokens = cursor.GetGetter<VBuffer<ReadOnlyMemory<char>>>(tokens);
            var getTags = tagColumn is { } c ? cursor.GetGetter<VBuffer<uint>>(c) : null;
            VBuffer<ReadOnlyMemory<char>> tokenBuffer = default;
            VBuffer<uint> tagBuffer = default;
            while (cursor.MoveNext())
            {
                long row = cursor.Position;
                getTokens(ref tokenBuffer);
                var sentence = tokenBuffer.DenseValues().Select(v => v.ToString()).ToArray();
                if (sentence.Length == 0 || sentence.All(string.IsNullOrWhiteSpace))
                {
                    throw new InvalidOperationException($"Row {row} of the {role} data has no tokens in column '{tokensColumn}'. Remove empty sentences before training.");
                }

                words.Add(sentence);
                if (getTags is null)
                {
                    continue;
                }

                getTags(ref tagBuffer);
                var keys = tagBuffer.DenseValues().ToArray();
                if (keys.Length != sentence.Length)
                {
                    throw new InvalidOperationException(
                        $"Row {row} of the {role} data has {sentence.Length} tokens in '{tokensColumn}' but {keys.Length} tags in '{tagsColumn}'; every token needs exactly one tag.");
                }

                int missing = Array.IndexOf(keys, 0u);
                if (missing >= 0)
                {
                    throw new InvalidOperationException(
                        $"Row {row} of the {role} data has an unknown tag at token {missing} (\"{sentence[missing]}\") in '{tagsColumn}': key 0, a tag that was not in the key dictionary. "
                        + "Build the key dictionary from data that contains every tag, or fix the tag.");
                }

                tags!.Add(keys.Select(k => (int)k - 1).ToArray());
            }
        }

        if (words.Count == 0)
        {
            throw new InvalidOperationException($"The {role} data has no rows; a named-entity recognizer needs tagged sentences.");
        }

        return new NamedEntityRows(words.ToArray(), tags?.ToArray());
    }
}
