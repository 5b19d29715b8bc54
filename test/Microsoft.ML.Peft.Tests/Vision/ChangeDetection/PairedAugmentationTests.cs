// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Vision.ChangeDetection;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Vision.ChangeDetection;

public sealed class PairedAugmentationTests
{
    [Fact]
    public void Apply_TransformsBothImagesAndTheMaskAlike_AndReachesAllEightSymmetries()
    {
        using var scope = NewDisposeScope();

        // A mask with no symmetry of its own (distinct values), and images that are the mask times 1 and 2 in each channel.
        var mask = arange(12, dtype: ScalarType.Float32).view(3, 4);
        var before = mask.unsqueeze(0).expand(2, 3, 4).contiguous();
        var after = before * 2;
        var random = new Random(4);
        var seen = new HashSet<string>();

        for (int i = 0; i < 64; i++)
        {
            var (b, a, m) = PairedAugmentation.Apply(before, after, mask, random);
            Assert.True(b[0].equal(m).all().item<bool>() && b[1].equal(m).all().item<bool>());
            Assert.True(a.equal(b * 2).all().item<bool>());
            seen.Add(string.Join(",", m.data<float>().ToArray()));
        }

        Assert.Equal(8, seen.Count);
    }

    [Fact]
    public void Apply_WithACrop_CutsTheSamePlaceFromAllThree()
    {
        using var scope = NewDisposeScope();
        var mask = arange(64, dtype: ScalarType.Float32).view(8, 8);
        var before = mask.unsqueeze(0).contiguous();
        var after = (mask + 100).unsqueeze(0).contiguous();

        var (b, a, m) = PairedAugmentation.Apply(before, after, mask, new Random(1), cropSize: 5);

        Assert.Equal(new long[] { 1, 5, 5 }, b.shape);
        Assert.Equal(new long[] { 5, 5 }, m.shape);
        Assert.True(b[0].equal(m).all().item<bool>());
        Assert.True(a[0].equal(m + 100).all().item<bool>());
    }

    [Fact]
    public void Apply_RefusesImagesAndMasksOfDifferentSizes_GivingTheSizes()
    {
        using var scope = NewDisposeScope();
        var random = new Random(1);

        var images = Assert.Throws<ArgumentException>(() => PairedAugmentation.Apply(zeros(3, 8, 8), zeros(3, 8, 6), zeros(8, 8), random));
        Assert.Contains("before image is 3 × 8 × 8 and the after image 3 × 8 × 6", images.Message);
        var mask = Assert.Throws<ArgumentException>(() => PairedAugmentation.Apply(zeros(3, 8, 8), zeros(3, 8, 8), zeros(4, 4), random));
        Assert.Contains("change mask is 4 × 4 but the images are 8 × 8", mask.Message);
        Assert.Throws<ArgumentException>(() => PairedAugmentation.Apply(zeros(3, 8, 8), zeros(3, 8, 8), zeros(8, 8), random, cropSize: 9));
    }
}
