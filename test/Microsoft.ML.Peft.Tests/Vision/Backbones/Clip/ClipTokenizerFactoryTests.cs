// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Vision.Backbones.Clip;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>
/// CLIP's tokenizer on <see cref="TinyClipVocabulary"/>, against ids worked out by hand from CLIPTokenizer's rules, since no
/// real CLIP tokenizer is among the fixtures. The rules: the text is NFC-normalised, every whitespace run becomes one space
/// and it is lower-cased; CLIP's pattern cuts it into contractions ('s 't 're 've 'm 'll 'd), letter runs, single digits
/// and runs of other non-space characters, dropping whitespace; each piece is byte-level encoded and its last symbol gets
/// <c>&lt;/w&gt;</c>; then the merge of lowest rank among adjacent symbols is applied until none applies; the ids are wrapped
/// in <c>&lt;|startoftext|&gt;</c> (26) and <c>&lt;|endoftext|&gt;</c> (27).
/// </summary>
public sealed class ClipTokenizerFactoryTests
{
    /// <summary>
    /// "A PHOTO of a Cat." → "a photo of a cat." → a | photo | of | a | cat | . :
    /// a → [a&lt;/w&gt;] = 9;
    /// photo → p h o t o&lt;/w&gt;: ranks p+h 4, o+t 5 → ph o t o&lt;/w&gt; → ph ot o&lt;/w&gt; (5) → phot o&lt;/w&gt; (6)
    /// → photo&lt;/w&gt; (7) = 23;
    /// of → o f&lt;/w&gt;, no merge = 6, 16;
    /// cat → c a t&lt;/w&gt; → ca t&lt;/w&gt; (1) → cat&lt;/w&gt; (2) = 18;
    /// . → .&lt;/w&gt; = 13.
    /// </summary>
    [Fact]
    public void Encode_MixedCaseSentence_LowerCasesAndMergesWithTheEndOfWordRule()
    {
        var tokenizer = Create();

        var encoded = tokenizer.Encode("A PHOTO of a Cat.");

        Assert.Equal(new long[] { 26, 9, 23, 6, 16, 9, 18, 13, 27 }, encoded.InputIds);
        Assert.False(encoded.Truncated);
    }

    /// <summary>
    /// "  cats\tit's 42\n" → " cats it's 42 " → cats | it | 's | 4 | 2 (letters stop at the apostrophe; digits one at a time):
    /// cats → c a t s&lt;/w&gt; → ca t s&lt;/w&gt; (1) → cat s&lt;/w&gt; (3, the word-inner "ca t": "ca t&lt;/w&gt;" does not apply
    /// because t is not last) → no merge of cat with s&lt;/w&gt; = 19, 11 — "cat" inside a word is not "cat&lt;/w&gt;" (18);
    /// it → i t&lt;/w&gt; → it&lt;/w&gt; (9) = 25; 's → ' s&lt;/w&gt; → 's&lt;/w&gt; (8) = 24; 4 → 14; 2 → 15.
    /// </summary>
    [Fact]
    public void Encode_WhitespaceRunsContractionAndDigits_CleansSplitsAndKeepsInnerPiecesApart()
    {
        var tokenizer = Create();

        Assert.Equal(new long[] { 26, 19, 11, 25, 24, 14, 15, 27 }, tokenizer.Encode("  cats\tit's 42\n").InputIds);
        Assert.Equal(tokenizer.Encode("cats it's 42").InputIds, tokenizer.Encode("CATS   IT'S\r\n42").InputIds);
    }

    /// <summary>
    /// At <c>max_position_embeddings</c> 6 the first sentence keeps its first four tokens and its end-of-text token, as
    /// CLIPTokenizer with <c>truncation=True</c>: [26, 9, 23, 6, 16, 27].
    /// </summary>
    [Fact]
    public void Encode_LongerThanMaxPositions_TruncatesKeepingTheEndOfTextToken()
    {
        var tokenizer = Create(maxPositions: 6);

        var encoded = tokenizer.Encode("A PHOTO of a Cat.");

        Assert.Equal(new long[] { 26, 9, 23, 6, 16, 27 }, encoded.InputIds);
        Assert.True(encoded.Truncated);
        Assert.Equal(6, tokenizer.MaxLength);
    }

    /// <summary>"a cat" is [26, 9, 18, 27]; padded to the longer row with &lt;|endoftext|&gt;, CLIPTokenizer's padding token.</summary>
    [Fact]
    public void Pad_RowsOfTwoLengths_PadsWithEndOfTextAndMasksThePadding()
    {
        var tokenizer = Create();
        var rows = new[] { tokenizer.Encode("a cat"), tokenizer.Encode("a photo of a cat") };

        var inputs = ClipTextInputs.Pad(rows, tokenizer.Layout.PadId);

        Assert.Equal(new long[] { 26, 9, 18, 27, 27, 27, 27, 27, 26, 9, 23, 6, 16, 9, 18, 27 }, inputs.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }, inputs.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 8 }, inputs.InputIds.shape);
        inputs.InputIds.Dispose();
        inputs.AttentionMask.Dispose();
    }

    [Fact]
    public void Create_TokenizerConfigWithLowerModelMaxLength_UsesIt()
    {
        var files = new Dictionary<string, byte[]>(TinyClipVocabulary.Files())
        {
            ["tokenizer_config.json"] = "{\"model_max_length\": 6, \"pad_token\": {\"content\": \"<|endoftext|>\"}}"u8.ToArray(),
        };

        var tokenizer = ClipTokenizerFactory.Create(files, 77, "tiny");

        Assert.Equal(6, tokenizer.MaxLength);
        Assert.Equal(TinyClipVocabulary.EndOfTextId, tokenizer.Layout.PadId);
    }

    [Theory]
    [InlineData("vocab.json")]
    [InlineData("merges.txt")]
    public void Create_MissingFile_NamesIt(string missing)
    {
        var files = TinyClipVocabulary.Files().Where(f => f.Key != missing).ToDictionary(f => f.Key, f => f.Value);

        var error = Assert.Throws<FileNotFoundException>(() => ClipTokenizerFactory.Create(files, 8, "/models/clip"));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine("/models/clip", missing), error.FileName);
    }

    [Fact]
    public void Create_VocabularyWithoutEndOfText_IsRefusedNamingTheToken()
    {
        var files = new Dictionary<string, byte[]>(TinyClipVocabulary.Files())
        {
            ["vocab.json"] = "{\"a\": 0, \"<|startoftext|>\": 1}"u8.ToArray(),
        };

        var error = Assert.Throws<InvalidDataException>(() => ClipTokenizerFactory.Create(files, 8, "/models/clip"));

        Assert.Contains("<|endoftext|>", error.Message, StringComparison.Ordinal);
    }

    private static TextTokenizer Create(int maxPositions = 77) => ClipTokenizerFactory.Create(TinyClipVocabulary.Files(), maxPositions, "tiny");
}
