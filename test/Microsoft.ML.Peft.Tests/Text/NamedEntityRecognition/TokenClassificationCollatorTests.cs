// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Text.NamedEntityRecognition;
using static Microsoft.ML.Peft.Tests.Infrastructure.TinyWordPiece;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Text.NamedEntityRecognition;

public sealed class TokenClassificationCollatorTests
{
    private const long Ignore = TokenLabels.IgnoreIndex;

    [Fact]
    public void Collate_WithLabels_PadsToTheLongestWithPadIdMaskZeroAndIgnoreIndex()
    {
        using var scope = NewDisposeScope();
        var tokenizer = Create();
        var longer = WindowedSentence.Encode(tokenizer, new[] { "the", "playing", "cat" });
        var shorter = WindowedSentence.Encode(tokenizer, new[] { "cat" });
        var labels = new[] { TokenLabels.Align(longer, new[] { 1, 2, 3 })[0], TokenLabels.Align(shorter, new[] { 4 })[0] };

        var (ids, types, mask, paddedLabels) = TokenClassificationCollator.Collate(new[] { longer.Windows[0], shorter.Windows[0] }, labels, tokenizer.Layout.PadId, CPU);

        Assert.Equal(new long[] { 2, 6 }, ids.shape);
        Assert.Equal(new long[] { 2, 6 }, types.shape);
        Assert.Equal(new[] { Cls, The, Play, Ing, Cat, Sep, Cls, Cat, Sep, Pad, Pad, Pad }, ids.data<long>().ToArray());
        Assert.Equal(new long[12], types.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, mask.data<long>().ToArray());
        Assert.Equal(new[] { Ignore, 1, 2, Ignore, 3, Ignore, Ignore, 4, Ignore, Ignore, Ignore, Ignore }, paddedLabels.data<long>().ToArray());
        Assert.Equal(ScalarType.Int64, paddedLabels.dtype);
    }

    [Fact]
    public void Collate_WithoutLabels_GivesIdsTypesAndMask()
    {
        using var scope = NewDisposeScope();
        var tokenizer = Create();
        var rows = new[] { "the cat sat", "cat" }.Select(s => WindowedSentence.Encode(tokenizer, s.Split(' ')).Windows[0]).ToArray();

        var (ids, _, mask) = TokenClassificationCollator.Collate(rows, tokenizer.Layout.PadId, CPU);

        Assert.Equal(new long[] { 2, 5 }, ids.shape);
        Assert.Equal(8, mask.sum().item<long>());
    }

    [Fact]
    public void Collate_LabelsOfAnotherLength_AreRefused()
    {
        var tokenizer = Create();
        var row = WindowedSentence.Encode(tokenizer, new[] { "the", "cat" }).Windows[0];

        var error = Assert.Throws<ArgumentException>("labels", () => TokenClassificationCollator.Collate(new[] { row }, new[] { new long[] { Ignore, 0 } }, tokenizer.Layout.PadId, CPU));

        Assert.Contains("4 tokens but 2 labels", error.Message);
    }
}
