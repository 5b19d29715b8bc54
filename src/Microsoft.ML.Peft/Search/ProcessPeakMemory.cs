// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// The process's peak resident memory per trial. Linux keeps the peak (VmHWM in /proc/self/status) and resets it when "5" is
/// written to /proc/self/clear_refs, so each trial's peak is its own; elsewhere, or where the reset is refused, the peak is the
/// process's since it started, which .NET's <see cref="System.Diagnostics.Process.PeakWorkingSet64"/> gives.
/// </summary>
internal static class ProcessPeakMemory
{
    private const string StatusFile = "/proc/self/status";
    private const string ClearRefsFile = "/proc/self/clear_refs";

    /// <summary>Starts a new peak where the platform allows it.</summary>
    internal static void Reset()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            File.WriteAllText(ClearRefsFile, "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Then the peak is the process's since it started, as on other platforms.
        }
    }

    /// <summary>The peak resident memory in bytes since the last reset; null where it cannot be read.</summary>
    internal static long? Read()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                foreach (string line in File.ReadLines(StatusFile))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
                    }
                }
            }
            catch (IOException)
            {
                return null;
            }
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 > 0 ? process.PeakWorkingSet64 : null;
    }
}
