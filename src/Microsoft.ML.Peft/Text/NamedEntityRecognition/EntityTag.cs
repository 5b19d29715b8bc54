// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// A parsed tag: <c>O</c>, or a prefix and an entity type (<c>B-PER</c> is <see cref="TagPrefix.B"/> and <c>PER</c>).
/// </summary>
internal readonly record struct EntityTag(TagPrefix Prefix, string Type)
{
    /// <summary>The <c>O</c> tag.</summary>
    internal static readonly EntityTag Outside = new(TagPrefix.O, string.Empty);

    internal bool IsOutside => Prefix == TagPrefix.O;

    /// <summary>
    /// Parses one tag of <paramref name="scheme"/>. Stricter than seqeval, which warns and goes on: a bare prefix ("B"),
    /// a lowercase one or a type with leading or trailing hyphens is refused, so strict and default mode always agree on
    /// an entity's type (seqeval strips hyphens in one mode and splits on the first in the other).
    /// </summary>
    internal static bool TryParse(string? tag, TagScheme scheme, out EntityTag parsed, out string error)
    {
        parsed = Outside;
        error = string.Empty;
        if (tag == "O")
        {
            return true;
        }

        TagPrefix? prefix = tag is { Length: >= 3 } && tag[1] == '-' ? tag[0] switch
        {
            'B' => TagPrefix.B,
            'I' => TagPrefix.I,
            'E' => TagPrefix.E,
            'S' => TagPrefix.S,
            _ => null,
        } : null;
        if (prefix is null)
        {
            error = $"tag \"{tag}\" is not O nor a prefix (B, I, E or S), a hyphen and an entity type, e.g. B-PER";
            return false;
        }

        string type = tag![2..];
        if (type[0] == '-' || type[^1] == '-' || type.Any(char.IsWhiteSpace))
        {
            error = $"tag \"{tag}\" has the entity type \"{type}\", which starts or ends with a hyphen or holds whitespace";
            return false;
        }

        if (scheme != TagScheme.Bioes && prefix is TagPrefix.E or TagPrefix.S)
        {
            error = $"tag \"{tag}\" has the prefix {tag[0]}-, which {Name(scheme)} does not use (only O, B- and I-); if the data is BIOES, pass TagScheme.Bioes";
            return false;
        }

        parsed = new EntityTag(prefix.Value, type);
        return true;
    }

    /// <summary>
    /// Parses a sentence's tags, or throws naming <paramref name="source"/>, the sentence and the position of the bad tag.
    /// </summary>
    /// <exception cref="InvalidOperationException">A tag is malformed or not of <paramref name="scheme"/>.</exception>
    internal static EntityTag[] ParseSentence(IReadOnlyList<string> tags, TagScheme scheme, string source, long sentence)
    {
        var parsed = new EntityTag[tags.Count];
        for (int i = 0; i < parsed.Length; i++)
        {
            if (!TryParse(tags[i], scheme, out parsed[i], out string error))
            {
                throw new InvalidOperationException($"{source}, sentence {sentence}, token {i} (both 0-based): {error}.");
            }
        }

        return parsed;
    }

    /// <summary>The scheme's usual name, for messages.</summary>
    internal static string Name(TagScheme scheme) => scheme switch
    {
        TagScheme.Iob1 => "IOB1",
        TagScheme.Iob2 => "IOB2",
        TagScheme.Bioes => "BIOES",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, $"Unknown tag scheme {scheme}; use TagScheme.Iob1, Iob2 or Bioes."),
    };

    public override string ToString() => IsOutside ? "O" : $"{Prefix}-{Type}";
}
