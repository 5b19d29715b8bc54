// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Text;
using Microsoft.ML.Peft.Text.DomainAdaptation;

namespace Microsoft.ML.Peft.Tests.Text.DomainAdaptation;

/// <summary>The masking of Hugging Face's DataCollatorForLanguageModeling: rates, the 80/10/10 split, what is never selected, labels, seeding.</summary>
public sealed class MaskedLanguageModelingCollatorTests
{
    private const long Pad = 0;
    private const long Unknown = 1;
    private const long Cls = 2;
    private const long Sep = 3;
    private const long Mask = 4;
    private const int WordCount = 29;

    private static readonly SpecialTokenLayout s_layout = new((int)Cls, (int)Sep, (int)Pad, DoubleSeparatorBetweenPair: false, SecondSegmentHasTypeOne: true)
    {
        MaskId = (int)Mask,
        UnknownId = (int)Unknown,
    };

    [Fact]
    public void Collate_ManyDraws_SelectsFifteenPercentAndSplitsThemEightyTenTen()
    {
        // A vocabulary far larger than the ids in use, so a random replacement is recognisable (it almost never equals the original or [MASK]).
        var collator = new MaskedLanguageModelingCollator(s_layout, vocabularySize: 1_000_000);
        var rows = Rows(new Random(1), 16);
        var random = new Random(2);
        long candidates = 0, selected = 0, masked = 0, replaced = 0, kept = 0;
        for (int draw = 0; draw < 600; draw++)
        {
            var batch = collator.Collate(rows, random);
            for (int i = 0; i < batch.Labels.Length; i++)
            {
                long original = Original(rows, batch, i);
                if (batch.AttentionMask[i] == 1 && !s_layout.IsSpecial(original))
                {
                    candidates++;
                }

                if (batch.Labels[i] == -100)
                {
                    continue;
                }

                selected++;
                masked += batch.InputIds[i] == Mask ? 1 : 0;
                replaced += batch.InputIds[i] >= WordCount ? 1 : 0;
                kept += batch.InputIds[i] == original ? 1 : 0;
            }
        }

        Assert.True(candidates > 100_000, $"only {candidates} candidate tokens");
        Assert.InRange((double)selected / candidates, 0.145, 0.155);
        Assert.InRange((double)masked / selected, 0.79, 0.81);
        Assert.InRange((double)replaced / selected, 0.09, 0.11);
        Assert.InRange((double)kept / selected, 0.09, 0.11);
        Assert.Equal(selected, masked + replaced + kept);
    }

    [Fact]
    public void Collate_SpecialTokensAndPadding_AreNeverSelectedOrChanged_AndLabelsAreMinus100Elsewhere()
    {
        var collator = new MaskedLanguageModelingCollator(s_layout, vocabularySize: WordCount, maskProbability: 0.9);
        var rows = Rows(new Random(3), 12);
        var random = new Random(4);
        for (int draw = 0; draw < 200; draw++)
        {
            var batch = collator.Collate(rows, random);
            Assert.Equal(rows.Max(r => r.Length), batch.Time);
            for (int row = 0; row < rows.Count; row++)
            {
                for (int t = 0; t < batch.Time; t++)
                {
                    int i = (row * batch.Time) + t;
                    bool padding = t >= rows[row].Length;
                    Assert.Equal(padding ? 0 : 1, batch.AttentionMask[i]);
                    Assert.Equal(padding ? 0 : rows[row].TokenTypeIds[t], batch.TokenTypeIds[i]);
                    long original = padding ? Pad : rows[row].InputIds[t];
                    if (padding || s_layout.IsSpecial(original))
                    {
                        Assert.Equal(-100, batch.Labels[i]);
                        Assert.Equal(original, batch.InputIds[i]);
                    }
                    else if (batch.Labels[i] == -100)
                    {
                        Assert.Equal(original, batch.InputIds[i]);
                    }
                    else
                    {
                        Assert.Equal(original, batch.Labels[i]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Collate_RandomReplacements_DrawFromTheWholeVocabulary()
    {
        var collator = new MaskedLanguageModelingCollator(s_layout, vocabularySize: WordCount, maskProbability: 1.0);
        var rows = Rows(new Random(5), 8);
        var random = new Random(6);
        var seen = new HashSet<long>();
        for (int draw = 0; draw < 300; draw++)
        {
            var batch = collator.Collate(rows, random);
            for (int i = 0; i < batch.Labels.Length; i++)
            {
                if (batch.Labels[i] != -100 && batch.InputIds[i] != Mask && batch.InputIds[i] != batch.Labels[i])
                {
                    seen.Add(batch.InputIds[i]);
                }
            }
        }

        // Hugging Face draws from range(len(tokenizer)), special tokens included.
        Assert.Equal(Enumerable.Range(0, WordCount).Where(id => id != Mask).Select(id => (long)id), seen.Order());
    }

    [Fact]
    public void Collate_SameSeed_SameBatch_OtherSeed_OtherMasking()
    {
        var collator = new MaskedLanguageModelingCollator(s_layout, vocabularySize: WordCount);
        var rows = Rows(new Random(7), 8);

        var first = collator.Collate(rows, new Random(11));
        var again = collator.Collate(rows, new Random(11));
        var other = collator.Collate(rows, new Random(12));

        Assert.Equal(first.InputIds, again.InputIds);
        Assert.Equal(first.Labels, again.Labels);
        Assert.NotEqual(first.Labels, other.Labels);
    }

    [Fact]
    public void For_BertTokenizer_UsesItsMaskTokenAndVocabularySize()
    {
        string[] vocab = { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat" };
        var files = new Dictionary<string, byte[]> { [WordPieceTokenizerFactory.VocabFileName] = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", vocab)) };
        var tokenizer = TextTokenizer.ForBert(WordPieceTokenizerFactory.Create(files, "test vocabulary"), 16, files);

        var collator = MaskedLanguageModelingCollator.For(tokenizer, maskProbability: 1.0);
        var batch = collator.Collate(new[] { tokenizer.Encode("the cat sat") }, new Random(1));

        Assert.Equal(vocab.Length, collator.VocabularySize);
        Assert.Equal(new long[] { -100, 5, 6, 7, -100 }, batch.Labels);
        Assert.All(batch.InputIds, id => Assert.InRange(id, 0, vocab.Length - 1));
    }

    [Fact]
    public void Constructor_NoMaskTokenOrProbabilityOutOfRange_IsRefusedWithTheFix()
    {
        var noMask = s_layout with { MaskId = null };

        Assert.Contains("mask token", Assert.Throws<ArgumentException>("layout", () => new MaskedLanguageModelingCollator(noMask, WordCount)).Message);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentOutOfRangeException>("maskProbability", () => new MaskedLanguageModelingCollator(s_layout, WordCount, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>("maskProbability", () => new MaskedLanguageModelingCollator(s_layout, WordCount, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>("vocabularySize", () => new MaskedLanguageModelingCollator(s_layout, 0));
    }

    // [CLS] words (some [UNK]) [SEP] of lengths 3 to 30, token types 0 then 1 for the second half (as a pair would have).
    private static List<EncodedText> Rows(Random random, int count)
    {
        var rows = new List<EncodedText>(count);
        for (int r = 0; r < count; r++)
        {
            int words = random.Next(1, 29);
            var ids = new long[words + 2];
            ids[0] = Cls;
            ids[^1] = Sep;
            for (int w = 1; w <= words; w++)
            {
                ids[w] = random.Next(10) == 0 ? Unknown : random.Next(5, WordCount);
            }

            var types = Enumerable.Range(0, ids.Length).Select(i => i > ids.Length / 2 ? 1L : 0L).ToArray();
            rows.Add(new EncodedText(ids, types, false));
        }

        return rows;
    }

    private static long Original(List<EncodedText> rows, MaskedBatch batch, int index)
    {
        int row = index / batch.Time;
        int t = index % batch.Time;
        return t < rows[row].Length ? rows[row].InputIds[t] : Pad;
    }
}
