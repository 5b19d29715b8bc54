// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Extensibility;

namespace Microsoft.ML.Peft.Tests.Extensibility;

public sealed class ExtensionAssembliesTests
{
    [Fact]
    public void EnsureLoaded_VisionShippedWithTheTests_IsLoadedOnceAndCallsAgainDoNothing()
    {
        ExtensionAssemblies.EnsureLoaded();
        ExtensionAssemblies.EnsureLoaded();

        Assert.Single(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Microsoft.ML.Peft.Vision");
    }

    [Fact]
    public void EnsureLoaded_ManyThreadsAtOnce_AllReturn()
    {
        Parallel.For(0, 8, _ => ExtensionAssemblies.EnsureLoaded());

        Assert.Contains(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Microsoft.ML.Peft.Vision");
    }
}
