// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>What a child process does: one measurement on one backbone, its result written as JSON for the parent.</summary>
internal static class ChildJobs
{
    internal const string TrainFull = "train-full";
    internal const string TrainLora = "train-lora";
    internal const string Inference = "inference";
    internal const string Padding = "padding";
    internal const string Method = "method";
    internal const string TrainComparisonPrefix = "train-";
    internal const string MixedAdapters = "mixed-adapters";
    internal const string MainJobMemory = "memory-main-job";
    internal const string ScoringMemory = "memory-scoring";

    internal static int Run(BenchmarkOptions options)
    {
        if (options.Child == Method)
        {
            string method = options.Method ?? throw new ArgumentException("A method child needs --method.");
            Log.Prefix = $"{Method} {method}";
            ChildProcess.WriteResult(MethodComparison.Run(options, method));
            return 0;
        }

        if (options.Child is MainJobMemory or ScoringMemory)
        {
            Log.Prefix = options.Child;
            if (options.Child == MainJobMemory)
            {
                ChildProcess.WriteResult(Benchmarks.MainJobMemory.Run(options));
            }
            else
            {
                ChildProcess.WriteResult(Benchmarks.ScoringMemory.Run(options));
            }

            return 0;
        }

        string backbone = options.Backbone ?? throw new ArgumentException("A child needs --backbone.");
        Log.Prefix = $"{options.Child} {backbone}";
        switch (options.Child)
        {
            case TrainFull or TrainLora when ImageBenchmarkBackbone.IsImage(backbone):
                ChildProcess.WriteResult(ImageTrainingBenchmark.Run(options, backbone, options.Child == TrainFull ? TrainingBenchmark.Full : TrainingBenchmark.Lora));
                break;
            case TrainFull: ChildProcess.WriteResult(TrainingBenchmark.Run(options, backbone, TrainingBenchmark.Full)); break;
            case TrainLora: ChildProcess.WriteResult(TrainingBenchmark.Run(options, backbone, TrainingBenchmark.Lora)); break;
            case Inference: ChildProcess.WriteResult(InferenceBenchmark.Run(options, backbone)); break;
            case Padding: ChildProcess.WriteResult(PaddingBenchmark.Run(options, backbone)); break;
            case var job when job!.StartsWith(TrainComparisonPrefix, StringComparison.Ordinal) && PacaSetup.IsComparisonMode(job[TrainComparisonPrefix.Length..]):
                ChildProcess.WriteResult(TrainingBenchmark.Run(options, backbone, job[TrainComparisonPrefix.Length..]));
                break;
            case MixedAdapters: ChildProcess.WriteResult(MixedAdapterBenchmark.Run(options, backbone)); break;
            default: throw new ArgumentException($"Unknown child job '{options.Child}'.");
        }

        return 0;
    }
}
