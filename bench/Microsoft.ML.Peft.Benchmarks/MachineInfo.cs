// Licensed under the MIT license. See LICENSE in the repository root.

using System.Reflection;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Where the numbers were taken: OS, CPU, cores, memory, runtime, TorchSharp and libtorch versions, libtorch's threads, load.</summary>
internal sealed record MachineInfo(
    string Os,
    string Architecture,
    string? CpuModel,
    int LogicalCores,
    long TotalMemoryBytes,
    string Runtime,
    string TorchSharpVersion,
    string LibTorchVersion,
    int TorchThreads,
    int TorchInteropThreads,
    string? LoadAverageAtStart,
    string? LoadAverageAtEnd)
{
    internal static MachineInfo Capture() => new(
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        ReadCpuModel(),
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        RuntimeInformation.FrameworkDescription,
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
        __version__,
        get_num_threads(),
        get_num_interop_threads(),
        LoadAverage(),
        null);

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), to judge how quiet the machine was.</summary>
    internal static string? LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

    private static string? ReadCpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
}
