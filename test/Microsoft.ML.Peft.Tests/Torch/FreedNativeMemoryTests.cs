// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft.Torch;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tests.Torch;

/// <summary>Reads the process's resident memory, so it runs alone: other tests allocating meanwhile would blur the figure.</summary>
[CollectionDefinition(nameof(FreedNativeMemoryTests), DisableParallelization = true)]
public sealed class FreedNativeMemoryCollection
{
}

[Collection(nameof(FreedNativeMemoryTests))]
public sealed class FreedNativeMemoryTests
{
    private const int Blocks = 300;
    private const int BlockFloats = 256 * 1024;

    [Fact]
    public void Release_AfterTensorsAreFreedBelowOneStillAlive_ReturnsTheirPagesToTheSystem()
    {
        if (!OperatingSystem.IsLinux())
        {
            FreedNativeMemory.Release();
            return;
        }

        // A freed 1 MB block raises glibc's mmap threshold, so the next ones come from the heap, where the live block
        // allocated last keeps the 300 MB freed below it from being trimmed on its own: what a training run leaves behind.
        zeros(BlockFloats).Dispose();
        var blocks = Enumerable.Range(0, Blocks).Select(_ => ones(BlockFloats)).ToList();
        var last = ones(BlockFloats);
        foreach (var block in blocks)
        {
            block.Dispose();
        }

        long held = ResidentBytes();
        FreedNativeMemory.Release();
        long released = held - ResidentBytes();
        last.Dispose();

        Assert.True(released > 150L * 1024 * 1024, $"released {released / 1024 / 1024} MB of about {Blocks} MB freed");
    }

    [Fact]
    public void Release_CalledAgain_IsHarmless()
    {
        FreedNativeMemory.Release();
        FreedNativeMemory.Release();
        using var t = ones(3);
        Assert.Equal(3f, t.sum().item<float>());
    }

    private static long ResidentBytes()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
