// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Torch;

public sealed class ScopedForwardTests
{
    [Fact]
    public void Run_DisposesTemporaries_AndHandsTheResultToTheCallersScope()
    {
        using var outer = NewDisposeScope();
        var input = ones(2, 3);
        Tensor? temporary = null;
        int before = outer.DisposablesCount;

        var result = ScopedForward.Run(() =>
        {
            temporary = input.mul(2);
            return temporary.add(1);
        });

        Assert.Equal(before + 1, outer.DisposablesCount);
        Assert.True(outer.Contains(result));
        Assert.True(temporary!.IsInvalid);
        Assert.False(result.IsInvalid);
        Assert.Equal(3f, result[0, 0].item<float>());
    }

    [Fact]
    public void Run_ReturningATensorItDidNotCreate_LeavesItInItsScope()
    {
        using var outer = NewDisposeScope();
        var input = ones(2, 3);

        var result = ScopedForward.Run(() => input);

        Assert.Same(input, result);
        Assert.False(input.IsInvalid);
        Assert.True(outer.Contains(input));
    }

    [Fact]
    public void Run_WithoutACallerScope_ReturnsATensorNoScopeOwns()
    {
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using var input = ones(2);

        using var result = ScopedForward.Run(() => input.mul(3).add(1));

        // The input and the result are alive; the product in between is not.
        Assert.Equal(live + 2, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(new[] { 4f, 4f }, result.data<float>().ToArray());
    }
}
