// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Resident memory of this process, libtorch's native allocations included: VmHWM (peak) and VmRSS (now) from
/// /proc/self/status on Linux, <see cref="Process.PeakWorkingSet64"/> and <see cref="Process.WorkingSet64"/> elsewhere.
/// Peak RSS is per process, which is why every configuration runs in a child process of its own.
/// </summary>
internal static class ProcessMemory
{
    private const string StatusFile = "/proc/self/status";

    internal static string Source => File.Exists(StatusFile) ? "VmHWM (/proc/self/status)" : "Process.PeakWorkingSet64";

    internal static long PeakResidentBytes() => ReadStatus("VmHWM:") ?? Current().PeakWorkingSet64;

    internal static long ResidentBytes() => ReadStatus("VmRSS:") ?? Current().WorkingSet64;

    private static Process Current()
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        return process;
    }

    /// <summary>A "Name:\t   123 kB" line of /proc/self/status, in bytes; null where the file does not exist.</summary>
    private static long? ReadStatus(string key)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(StatusFile))
        {
            return null;
        }

        foreach (string line in File.ReadLines(StatusFile))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var parts = line[key.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return null;
    }
}
