// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Tests.Training;

public sealed class TrainingSeedsTests
{
    [Fact]
    public void ForEpochAndForStep_NeighbouringInputs_GiveDistinctStableSeeds()
    {
        var epochSeeds = Enumerable.Range(0, 1000).Select(e => TrainingSeeds.ForEpoch(7, e)).ToHashSet();
        var stepSeeds = Enumerable.Range(0, 1000).Select(s => TrainingSeeds.ForStep(7, s)).ToHashSet();

        Assert.Equal(1000, epochSeeds.Count);
        Assert.Equal(1000, stepSeeds.Count);
        Assert.All(stepSeeds, s => Assert.True(s >= 0));
        Assert.NotEqual(TrainingSeeds.ForStep(7, 0), TrainingSeeds.ForStep(8, 0));
        Assert.Equal(TrainingSeeds.ForStep(7, 5), TrainingSeeds.ForStep(7, 5));
    }
}
