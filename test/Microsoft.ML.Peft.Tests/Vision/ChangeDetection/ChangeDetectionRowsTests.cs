// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using Microsoft.ML.Peft.Vision.ChangeDetection;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

/// <summary>Reading change-detection pairs and masks: the mask's threshold, and the errors that name a row whose sizes differ.</summary>
public sealed class ChangeDetectionRowsTests
{
    [Fact]
    public void Read_PairsWithMasks_KeepsBothDatesAndReadsWhitePixelsAsChange()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(1);
        var rows = new[]
        {
            new PairRow { Before = ImageRows.Png(random, true, 6, 4), After = ImageRows.Png(random, false, 6, 4), Mask = ImageRows.Png(random, true, 6, 4) },
            new PairRow { Before = ImageRows.Png(random, true, 8, 8), After = ImageRows.Png(random, true, 8, 8), Mask = ImageRows.Png(random, false, 8, 8) },
        };

        var read = ChangeDetectionRows.Read(ml.Data.LoadFromEnumerable(rows), "Before", "After", "Mask", "training");

        Assert.Equal(2, read.Count);
        Assert.Equal((6, 4), (read.Before[0].Width, read.Before[0].Height));
        Assert.Equal((8, 8), (read.After[1].Width, read.After[1].Height));

        // A reddish mask has a channel above 150 everywhere, a bluish one too (its blue): both read as all change.
        Assert.All(read.Masks!, m => Assert.All(m.Values, v => Assert.Equal(1, v)));
        Assert.Null(ChangeDetectionRows.Read(ml.Data.LoadFromEnumerable(rows), "Before", "After", null, "scoring").Masks);
    }

    [Fact]
    public void FromImage_ThresholdsTheBrightestChannelAtTheMiddle()
    {
        var image = new RgbImage(4, 1, new byte[] { 0, 0, 0, 127, 127, 127, 128, 0, 0, 0, 0, 255 });

        Assert.Equal(new byte[] { 0, 0, 1, 1 }, ChangeMask.FromImage(image).Values);
    }

    [Fact]
    public void Read_DatesOfAnotherSize_IsRefusedNamingTheRowTheColumnsAndBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var rows = new[]
        {
            new PairRow { Before = ImageRows.Png(random, true, 6, 4), After = ImageRows.Png(random, true, 6, 4), Mask = ImageRows.Png(random, true, 6, 4) },
            new PairRow { Before = ImageRows.Png(random, true, 6, 4), After = ImageRows.Png(random, true, 4, 6), Mask = ImageRows.Png(random, true, 6, 4) },
        };

        var error = Assert.Throws<InvalidDataException>(() => ChangeDetectionRows.Read(ml.Data.LoadFromEnumerable(rows), "Before", "After", "Mask", "training"));

        Assert.Contains("Row 1 of the training data", error.Message, StringComparison.Ordinal);
        Assert.Contains("('Before') is 6 x 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("('After') is 4 x 6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MaskOfAnotherSize_IsRefusedNamingTheRowAndBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = new[] { new PairRow { Before = ImageRows.Png(random, true, 6, 4), After = ImageRows.Png(random, true, 6, 4), Mask = ImageRows.Png(random, true, 3, 2) } };

        var error = Assert.Throws<InvalidDataException>(() => ChangeDetectionRows.Read(ml.Data.LoadFromEnumerable(rows), "Before", "After", "Mask", "training"));

        Assert.Contains("Row 0 of the training data", error.Message, StringComparison.Ordinal);
        Assert.Contains("change mask ('Mask') is 3 x 2 but the images are 6 x 4", error.Message, StringComparison.Ordinal);
    }

    private sealed class PairRow
    {
        public byte[] Before { get; set; } = Array.Empty<byte>();

        public byte[] After { get; set; } = Array.Empty<byte>();

        public byte[] Mask { get; set; } = Array.Empty<byte>();
    }
}
