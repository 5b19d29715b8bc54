// Licensed under the MIT license. See LICENSE in the repository root.

namespace NamedEntityRecognition;

/// <summary>The input of a raw-text prediction: the text alone, no tokens or tags.</summary>
internal sealed class RawText
{
    public string Text { get; set; } = string.Empty;
}

/// <summary>The entities the tagger finds in a raw text: parallel arrays, offsets into <see cref="RawText.Text"/>.</summary>
internal sealed class EntitySpans
{
    public int[] EntityStarts { get; set; } = Array.Empty<int>();

    public int[] EntityLengths { get; set; } = Array.Empty<int>();

    public string[] EntityTypes { get; set; } = Array.Empty<string>();

    public float[] EntityScores { get; set; } = Array.Empty<float>();
}
