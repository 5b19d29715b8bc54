// Licensed under the MIT license. See LICENSE in the repository root.

using System.Text;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;

namespace Microsoft.ML.Peft.Tests.Infrastructure;

/// <summary>
/// A real WordPiece tokenizer over a hand-made vocabulary whose ids are the line numbers below, with words that split into
/// several sub-tokens: "playing" is play ##ing, "unplayable" is un ##play ##able, "unplayableing" is un ##play ##able ##ing.
/// </summary>
internal static class TinyWordPiece
{
    internal const long Pad = 0;
    internal const long Unknown = 1;
    internal const long Cls = 2;
    internal const long Sep = 3;
    internal const long The = 5;
    internal const long Cat = 6;
    internal const long Sat = 7;
    internal const long Play = 11;
    internal const long Ing = 12;
    internal const long Un = 14;
    internal const long PlayPiece = 15;
    internal const long Able = 16;

    private static readonly string[] s_vocab =
    {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "play", "##ing", "##ed", "un", "##play", "##able", "-", ".",
    };

    internal static TextTokenizer Create(int maxLength = 32)
    {
        var files = new Dictionary<string, byte[]> { [WordPieceTokenizerFactory.VocabFileName] = Encoding.UTF8.GetBytes(string.Join("\n", s_vocab) + "\n") };
        return TextTokenizer.ForBert(WordPieceTokenizerFactory.Create(files, "tiny vocabulary"), maxLength, files);
    }
}
