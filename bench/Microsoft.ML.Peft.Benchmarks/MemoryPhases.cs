// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The resident memory of each phase of a job: its peak and what stays resident at its end. On Linux the peak is per phase:
/// writing 5 to /proc/self/clear_refs resets VmHWM to the current RSS, so each phase's VmHWM is its own. Elsewhere every
/// phase reports the process's peak so far.
/// </summary>
internal sealed class MemoryPhases
{
    private const string ClearRefs = "/proc/self/clear_refs";
    private readonly List<MemoryPhase> _phases = new();
    private readonly bool _resettable = OperatingSystem.IsLinux() && File.Exists(ClearRefs);

    internal MemoryPhases() => Reset();

    internal IReadOnlyList<MemoryPhase> Phases => _phases;

    /// <summary>Whether each phase's peak is its own (true) or the process's peak so far.</summary>
    internal bool PerPhasePeaks => _resettable;

    /// <summary>Ends the current phase: records its peak and end RSS, and starts the next one.</summary>
    internal void End(string name)
    {
        var phase = new MemoryPhase(name, ProcessMemory.PeakResidentBytes(), ProcessMemory.ResidentBytes());
        _phases.Add(phase);
        Log.Info($"{name}: peak {Gib(phase.PeakResidentBytes)}, resident after {Gib(phase.ResidentBytesAfter)}");
        Reset();
    }

    internal static string Gib(long bytes) => $"{bytes / 1024.0 / 1024 / 1024:F2} GiB";

    private void Reset()
    {
        if (_resettable)
        {
            File.WriteAllText(ClearRefs, "5");
        }
    }
}

/// <summary>One phase of a job: the peak resident memory during it and the resident memory at its end.</summary>
internal sealed record MemoryPhase(string Name, long PeakResidentBytes, long ResidentBytesAfter);
