// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Torch;

public sealed class ScopedModulesTests
{
    [Fact]
    public void Conv2d_BuiltUsedAndDisposed_LeavesNoTensorAlive()
    {
        // Warm up TorchSharp's one-time state outside the count.
        ScopedModules.Conv2d(3, 4, 3).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var conv = ScopedModules.Conv2d(3, 4, 3, stride: 2, padding: 1, bias: true);
        using (var scope = NewDisposeScope())
        {
            var output = conv.call(ones(1, 3, 8, 8));
            Assert.Equal(new long[] { 1, 4, 4, 4 }, output.shape);
            Assert.False(conv.weight!.IsInvalid);
            Assert.Equal(2, conv.parameters().Count());
        }

        conv.Dispose();
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Conv2d_TorchSharpConstructor_StillLeaksWhatScopedModulesFrees()
    {
        // Guards the reason for ScopedModules: when TorchSharp stops leaking, this fails and the workaround can go.
        nn.Conv2d(3, 4, 3).Dispose();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        nn.Conv2d(3, 4, 3).Dispose();
        Assert.Equal(live + 1, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
