// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Backbones.Text;

/// <summary>A word of a raw text: <paramref name="Length"/> UTF-16 characters from <paramref name="Start"/> in the original string.</summary>
internal readonly record struct WordSpan(int Start, int Length)
{
    /// <summary>The offset just past the word.</summary>
    internal int End => Start + Length;

    /// <summary>The word's characters in <paramref name="text"/>.</summary>
    internal string In(string text) => text.Substring(Start, Length);
}
