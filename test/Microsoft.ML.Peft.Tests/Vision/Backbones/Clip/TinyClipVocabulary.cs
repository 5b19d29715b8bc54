// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text.Json.Nodes;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>
/// A tiny CLIP vocabulary laid out as OpenAI's <c>vocab.json</c> is: single byte-level symbols, the same symbols with the
/// <c>&lt;/w&gt;</c> end-of-word suffix, the products of the merges in rank order, then <c>&lt;|startoftext|&gt;</c> and
/// <c>&lt;|endoftext|&gt;</c> last. Every character used is printable ASCII, which byte-level encoding maps to itself.
/// </summary>
internal static class TinyClipVocabulary
{
    internal const int StartOfTextId = 26;
    internal const int EndOfTextId = 27;
    internal const int Size = 28;

    /// <summary>Token to id.</summary>
    internal static IReadOnlyList<string> Tokens { get; } = new[]
    {
        // 0-8: symbols inside a word.
        "a", "c", "t", "s", "p", "h", "o", "i", "'",
        // 9-16: symbols ending a word.
        "a</w>", "t</w>", "s</w>", "o</w>", ".</w>", "4</w>", "2</w>", "f</w>",
        // 17-25: the merges' products, in rank order (merge 3 gives "cat" inside a word, merge 2 "cat</w>" at its end).
        "ca", "cat</w>", "cat", "ph", "ot", "phot", "photo</w>", "'s</w>", "it</w>",
        "<|startoftext|>", "<|endoftext|>",
    };

    /// <summary>The merges, rank 1 first.</summary>
    internal static IReadOnlyList<string> Merges { get; } = new[]
    {
        "c a",        // 1 → ca (17)
        "ca t</w>",   // 2 → cat</w> (18)
        "ca t",       // 3 → cat (19)
        "p h",        // 4 → ph (20)
        "o t",        // 5 → ot (21)
        "ph ot",      // 6 → phot (22)
        "phot o</w>", // 7 → photo</w> (23)
        "' s</w>",    // 8 → 's</w> (24)
        "i t</w>",    // 9 → it</w> (25)
    };

    /// <summary>Writes <c>vocab.json</c> and <c>merges.txt</c> (with OpenAI's <c>#version</c> header) into <paramref name="directory"/>.</summary>
    internal static void Write(string directory)
    {
        var vocabulary = new JsonObject();
        for (int id = 0; id < Tokens.Count; id++)
        {
            vocabulary[Tokens[id]] = id;
        }

        File.WriteAllText(Path.Combine(directory, "vocab.json"), vocabulary.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "merges.txt"), "#version: 0.2\n" + string.Join("\n", Merges) + "\n");
    }

    /// <summary>The files as a preprocessor's file table.</summary>
    internal static IReadOnlyDictionary<string, byte[]> Files()
    {
        string directory = Path.Combine(Path.GetTempPath(), "peft-clip-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            Write(directory);
            return Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
