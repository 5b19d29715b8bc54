// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Tasks;

namespace Microsoft.ML.Peft.Tests.Tasks;

public sealed class BatchInferenceTests
{
    [Fact]
    public void ForEachBatch_CutsLongestFirst_AndVisitsEveryIndexOnce()
    {
        var batches = new List<int[]>();

        BatchInference.ForEachBatch(new[] { 3, 9, 1, 9, 5 }, 2, batches.Add);

        Assert.Equal(new[] { new[] { 1, 3 }, new[] { 4, 0 }, new[] { 2 } }, batches);
    }

    [Fact]
    public void ForEachBatch_NoExamples_CallsNothing()
    {
        BatchInference.ForEachBatch(Array.Empty<int>(), 4, _ => Assert.Fail("no batch expected"));
    }
}
