// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Text.NamedEntityRecognition;

/// <summary>
/// The entities found in one raw text, as parallel arrays in text order: character offset and length in the original string,
/// entity type (the tag without its prefix) and score.
/// </summary>
internal sealed record EntitySpans(int[] Starts, int[] Lengths, string[] Types, float[] Scores)
{
    internal static readonly EntitySpans None = new(Array.Empty<int>(), Array.Empty<int>(), Array.Empty<string>(), Array.Empty<float>());

    internal int Count => Starts.Length;
}
