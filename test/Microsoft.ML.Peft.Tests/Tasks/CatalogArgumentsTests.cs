// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tests.Infrastructure;

namespace Microsoft.ML.Peft.Tests.Tasks;

public sealed class CatalogArgumentsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "peft-catalog-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData(-4)]
    [InlineData(0)]
    public void SimpleOverload_RankBelowOne_SaysWhatRankIsAndWhatItGot(int rank)
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(_directory));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Peft().LoraTextClassifier(backbone, rank: rank));

        Assert.Equal("rank", error.ParamName);
        Assert.Contains("LoRA's r", error.Message);
        Assert.Contains($"got {rank}", error.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void SimpleOverload_AlphaNotPositiveFinite_IsRefusedNamingAlpha(double alpha)
    {
        var backbone = PretrainedModel.FromDirectory(TinyBertFolder.Write(_directory));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MLContext().Peft().LoraTextClassifier(backbone, alpha: alpha));

        Assert.Equal("alpha", error.ParamName);
        Assert.Contains("alpha / rank", error.Message);
    }

    [Fact]
    public void SkipReason_MissingFixture_NamesThePathBesideTheRepositoryNotUnderBin()
    {
        string? reason = SharedFixtures.SkipReason("no-such-fixture/anywhere");

        Assert.NotNull(reason);
        Assert.DoesNotContain($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", reason);
        Assert.Contains(Path.Combine("shared", "fixtures", "no-such-fixture", "anywhere"), reason);
    }
}
