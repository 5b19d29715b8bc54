// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The parent process: measures the matmul reference, runs every configuration in a child process one after the other
/// (never two at a time, so they do not compete for the cores), collects their JSON results and writes the report.
/// </summary>
internal static class BenchmarkRunner
{
    internal static int Run(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        var stopwatch = Stopwatch.StartNew();
        var machine = MachineInfo.Capture();
        Log.Info($"{machine.LogicalCores} cores, torch threads {machine.TorchThreads}, TorchSharp {machine.TorchSharpVersion}, {machine.Os}");
        var matmulAtStart = MatmulBenchmark.Run(options.MatmulSize, options.MatmulReps, options.Seed);
        Log.Info($"fp32 matmul {options.MatmulSize}³: {matmulAtStart.Gflops:F1} GFLOP/s");

        var backbones = new List<BackboneResults>();
        foreach (string name in options.Backbones)
        {
            var failures = new List<string>();
            T? Child<T>(string job, string section)
                where T : class
            {
                // An image backbone has no tokens: only its training section applies.
                if (!options.Runs(section) || (ImageBenchmarkBackbone.IsImage(name) && section != "training"))
                {
                    return null;
                }

                Log.Info($"{name}: {job}");
                var (result, error) = ChildProcess.Run<T>(options.ChildArguments(job, name));
                if (error is not null)
                {
                    Log.Info(error);
                    failures.Add(error);
                }

                return result;
            }

            var full = Child<TrainingResult>(ChildJobs.TrainFull, "training");
            var lora = Child<TrainingResult>(ChildJobs.TrainLora, "training");
            var inference = Child<InferenceResult>(ChildJobs.Inference, "inference");
            var padding = Child<PaddingResult>(ChildJobs.Padding, "padding");
            var comparison = PacaSetup.Modes
                .Select(mode => Child<TrainingResult>(ChildJobs.TrainComparisonPrefix + mode, "paca"))
                .OfType<TrainingResult>()
                .ToList();
            var mixed = Child<MixedAdapterResult>(ChildJobs.MixedAdapters, "mixed-adapters");
            backbones.Add(new BackboneResults(name, full, lora, inference, padding, failures, comparison.Count > 0 ? comparison : null, mixed));
        }

        var matmulAtEnd = MatmulBenchmark.Run(options.MatmulSize, options.MatmulReps, options.Seed);
        Log.Info($"fp32 matmul {options.MatmulSize}³ at the end: {matmulAtEnd.Gflops:F1} GFLOP/s");
        var results = new BenchmarkResults(
            machine with { LoadAverageAtEnd = MachineInfo.LoadAverage() },
            RunSettings.From(options, args),
            matmulAtStart,
            matmulAtEnd,
            backbones,
            stopwatch.Elapsed.TotalSeconds);

        string report = MarkdownReport.Write(results);
        ReportOutput.Publish(report, options.Output);

        return backbones.Any(b => b.Failures.Count > 0) ? 1 : 0;
    }
}
