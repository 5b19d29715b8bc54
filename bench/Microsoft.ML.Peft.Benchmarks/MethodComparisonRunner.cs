// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The parent of the method comparison: trains each method in a child process of its own (one at a time), then writes
/// one markdown table (method, trainable parameters, accuracy, step time, adapter size) and the raw results as JSON.
/// </summary>
internal static class MethodComparisonRunner
{
    internal static int Run(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        var stopwatch = Stopwatch.StartNew();
        var machine = MachineInfo.Capture();
        var results = new List<MethodResult>();
        var failures = new List<string>();
        foreach (string method in options.Methods)
        {
            Log.Info($"method {method}");
            var (result, error) = ChildProcess.Run<MethodResult>(options.MethodChildArguments(method));
            if (result is not null)
            {
                results.Add(result);
            }
            else
            {
                Log.Info(error!);
                failures.Add(error!);
            }
        }

        string report = Report(machine with { LoadAverageAtEnd = MachineInfo.LoadAverage() }, options, args, results, failures, stopwatch.Elapsed);
        ReportOutput.Publish(report, options.Output);

        return failures.Count == 0 ? 0 : 1;
    }

    private static string Report(
        MachineInfo machine, BenchmarkOptions options, IReadOnlyList<string> args, IReadOnlyList<MethodResult> results, IReadOnlyList<string> failures, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine("# PEFT methods on SMS spam (all-MiniLM-L6-v2, text-classification estimator)").AppendLine();
        text.AppendLine(Invariant($"- Machine: {machine.CpuModel ?? "unknown CPU"}, {machine.LogicalCores} logical cores, {machine.Os}; TorchSharp {machine.TorchSharpVersion} (CPU), torch threads {machine.TorchThreads}"));
        text.AppendLine(Invariant($"- Load average (1/5/15 min): {machine.LoadAverageAtStart ?? "n/a"} at the start, {machine.LoadAverageAtEnd ?? "n/a"} at the end"));
        text.AppendLine(Invariant($"- Data: SMS Spam Collection, 80/20 split with seed 1; {options.Epochs} epoch(s), batch 16, max length 128, MLContext seed {options.Seed}; each method in its own process"));
        text.AppendLine(Invariant($"- Command: `{string.Join(' ', args)}`; total run time {elapsed.TotalSeconds:F0} s")).AppendLine();
        text.AppendLine("| method | settings | lr | trainable parameters (head excluded) | held-out accuracy | spam F1 | s / step | adapter on disk | peak RSS |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(Invariant(
                $"| {r.Method} | {r.Settings} | {r.LearningRate:G3} | {r.TrainableParameters - r.HeadParameters:N0} | {r.Accuracy:P2} | {r.SpamF1:F3} | {r.StepSeconds:F3} | {Size(r.AdapterBytes)} | {r.PeakResidentBytes / 1024.0 / 1024 / 1024:F2} GiB |"));
        }

        text.AppendLine();
        text.AppendLine(Invariant($"Trainable parameters exclude the new classification head ({(results.Count > 0 ? results[0].HeadParameters : 0):N0} parameters), which every method trains and saves as modules_to_save; the adapter size includes it."));
        foreach (string failure in failures)
        {
            text.AppendLine().AppendLine($"**Failed:** {failure}");
        }

        text.AppendLine().AppendLine("## Raw numbers").AppendLine().AppendLine("```json");
        text.AppendLine(JsonSerializer.Serialize(results, ResultJson.Indented)).AppendLine("```");
        return text.ToString();
    }

    private static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? Invariant($"{bytes / 1024.0 / 1024:F2} MB") : Invariant($"{bytes / 1024.0:F0} KB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
