// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Clip;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.Backbones.Clip;

/// <summary>The internal text side of a CLIP folder: texts to normalised <c>text_embeds</c> through the folder's tokenizer.</summary>
public sealed class ClipTextEncoderTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-clip-text-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Encode_TwoPrompts_GivesTheUnitTextEmbedsOfTheirTokenIds()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(_directory));
        using var encoder = ClipTextEncoder.Open(backbone);
        using var scope = NewDisposeScope();

        var embeds = encoder.Encode(new[] { "A cat", "a photo of a CAT" });

        // The ids of ClipTokenizerFactoryTests: [26, 9, 18, 27] and [26, 9, 23, 6, 16, 9, 18, 27], each encoded alone.
        Assert.Equal(new long[] { 2, 8 }, embeds.shape);
        Assert.All(embeds.norm(1).data<float>().ToArray(), n => Assert.Equal(1f, n, 1e-5f));
        var first = tensor(new long[] { 26, 9, 18, 27 }, new long[] { 1, 4 });
        var second = tensor(new long[] { 26, 9, 23, 6, 16, 9, 18, 27 }, new long[] { 1, 8 });
        Assert.True(embeds[0].allclose(ClipModel.Normalize(encoder.Model.TextFeatures(first, ones_like(first)))[0], atol: 1e-6));
        Assert.True(embeds[1].allclose(ClipModel.Normalize(encoder.Model.TextFeatures(second, ones_like(second)))[0], atol: 1e-6));
    }

    [Fact]
    public void Encode_TextLongerThanMaxPositions_IsTruncatedKeepingItsEndOfTextToken()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(_directory));
        using var encoder = ClipTextEncoder.Open(backbone);
        using var scope = NewDisposeScope();

        var embeds = encoder.Encode(new[] { "a photo of a cat a photo of a cat" });

        Assert.Equal(TinyClipFolder.MaxPositions, encoder.Tokenizer.MaxLength);
        Assert.Equal(new long[] { 1, 8 }, embeds.shape);
    }

    [Fact]
    public void Open_FolderWithoutTokenizerFiles_OpensForImagesAndNamesVocabJsonForTexts()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(_directory, writeTokenizer: false));

        var error = Assert.Throws<FileNotFoundException>(() => ClipTextEncoder.Open(backbone));

        Assert.Contains("vocab.json", error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_directory, "vocab.json"), error.FileName);
    }

    [Fact]
    public void Open_FolderWithVocabularyButNoMerges_NamesMergesTxt()
    {
        TinyClipFolder.Write(_directory);
        File.Delete(Path.Combine(_directory, "merges.txt"));
        var backbone = PretrainedModel.FromDirectory(_directory);

        var error = Assert.Throws<FileNotFoundException>(() => ClipTextEncoder.Open(backbone));

        Assert.Contains("merges.txt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NonClipBackbone_IsRefusedNamingItsModelType()
    {
        var backbone = PretrainedModel.FromDirectory(TinyCnnFolder.Write(_directory));

        var error = Assert.Throws<ArgumentException>(() => ClipTextEncoder.Open(backbone));

        Assert.Contains(backbone.ModelType, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_InAScope_LeavesNoTensorAlive()
    {
        var backbone = PretrainedModel.FromDirectory(TinyClipFolder.Write(_directory));
        using var encoder = ClipTextEncoder.Open(backbone);
        using (var warm = NewDisposeScope())
        {
            encoder.Encode(new[] { "a cat" });
        }

        long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var scope = NewDisposeScope())
        {
            encoder.Encode(new[] { "a cat", "cats" });
        }

        Assert.Equal(live, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
