// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The parent of the memory section: runs the main job and the scoring job in a child process each (one at a time, so
/// each peak is its own), then writes their tables and the raw results as JSON.
/// </summary>
internal static class MemoryRunner
{
    internal static int Run(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        var stopwatch = Stopwatch.StartNew();
        var machine = MachineInfo.Capture();
        Log.Info("main job");
        var (mainJob, mainError) = ChildProcess.Run<MainJobMemoryResult>(options.MemoryChildArguments(ChildJobs.MainJobMemory));
        Log.Info("repeated scoring and PredictionEngine");
        var (scoring, scoringError) = ChildProcess.Run<ScoringMemoryResult>(options.MemoryChildArguments(ChildJobs.ScoringMemory));

        var text = new StringBuilder();
        text.AppendLine("# Resident memory of the main job and of serving (all-MiniLM-L6-v2, text-classification estimator)").AppendLine();
        text.AppendLine(Invariant($"- Machine: {machine.CpuModel ?? "unknown CPU"}, {machine.LogicalCores} logical cores, {machine.Os}; {machine.Runtime}; TorchSharp {machine.TorchSharpVersion} (CPU), torch threads {machine.TorchThreads}"));
        text.AppendLine(Invariant($"- Load average (1/5/15 min): {machine.LoadAverageAtStart ?? "n/a"} at the start, {MachineInfo.LoadAverage() ?? "n/a"} at the end"));
        text.AppendLine(Invariant($"- Memory: {ProcessMemory.Source}; MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "unset"}"));
        text.AppendLine(Invariant($"- Command: `{string.Join(' ', args)}`; total run time {stopwatch.Elapsed.TotalSeconds:F0} s")).AppendLine();
        if (mainJob is not null)
        {
            text.AppendLine("## The main job (samples/TextClassification)").AppendLine();
            text.AppendLine(mainJob.PerPhasePeaks ? "Each phase's peak is its own (VmHWM reset through /proc/self/clear_refs at its start)." : "Peaks are the process's peak so far.").AppendLine();
            text.AppendLine("| phase | peak RSS | RSS at its end |").AppendLine("|---|---:|---:|");
            foreach (var phase in mainJob.Phases)
            {
                text.AppendLine($"| {phase.Name} | {MemoryPhases.Gib(phase.PeakResidentBytes)} | {MemoryPhases.Gib(phase.ResidentBytesAfter)} |");
            }

            text.AppendLine().AppendLine(Invariant(
                $"Peak of the job: **{MemoryPhases.Gib(mainJob.PeakResidentBytes)}** (target ≤ 2.0 GB). {mainJob.Steps} steps in {mainJob.TrainingSeconds:F0} s; held-out macro accuracy {mainJob.MacroAccuracy:P2}.")).AppendLine();
        }

        if (scoring is not null)
        {
            var first = scoring.Passes[0].ResidentBytesAfter;
            var last = scoring.Passes[^1].ResidentBytesAfter;
            var highest = scoring.Passes.Max(p => p.ResidentBytesAfter);
            text.AppendLine(Invariant($"## Scoring {scoring.Rows:N0} rows {scoring.Passes.Count} times, and one row at a time")).AppendLine();
            text.AppendLine("| pass | seconds | RSS after | live tensors |").AppendLine("|---:|---:|---:|---:|");
            for (int i = 0; i < scoring.Passes.Count; i++)
            {
                var pass = scoring.Passes[i];
                text.AppendLine(Invariant($"| {i + 1} | {pass.Milliseconds / 1000:F2} | {MemoryPhases.Gib(pass.ResidentBytesAfter)} | {pass.LiveTensors} |"));
            }

            text.AppendLine().AppendLine(Invariant(
                $"RSS before the first pass {MemoryPhases.Gib(scoring.ResidentBytesBefore)}; after pass 1 {MemoryPhases.Gib(first)}, highest after any pass {MemoryPhases.Gib(highest)} (**{(highest - first) * 100.0 / first:F1} %** above pass 1; target ≤ 10 %), after the last {MemoryPhases.Gib(last)}."));
            text.AppendLine().AppendLine(Invariant(
                $"PredictionEngine, one short message (≤ 8 words) at a time: median **{scoring.EngineMilliseconds:F2} ms** (min {scoring.EngineMinMilliseconds:F2}, max {scoring.EngineMaxMilliseconds:F2}) over {scoring.ShortMessages}; the same messages in one Transform: {scoring.BatchedRowMilliseconds:F2} ms per row; ratio **{scoring.EngineMilliseconds / scoring.BatchedRowMilliseconds:F2}** (target ≤ 2)."));
            text.AppendLine();
        }

        foreach (string? error in new[] { mainError, scoringError })
        {
            if (error is not null)
            {
                text.AppendLine($"**Failed:** {error}").AppendLine();
            }
        }

        text.AppendLine("## Raw numbers").AppendLine().AppendLine("```json");
        text.AppendLine(JsonSerializer.Serialize(new { mainJob, scoring }, ResultJson.Indented)).AppendLine("```");
        string report = text.ToString();
        ReportOutput.Publish(report, options.Output);

        return mainError is null && scoringError is null ? 0 : 1;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
