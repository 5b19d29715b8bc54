// Licensed under the MIT license. See LICENSE in the repository root.

// Benchmarks of the PEFT building blocks; see bench/README.md. The parent process runs each configuration in a child
// process of this executable (--child), so that every configuration's peak memory is its own.
using Microsoft.ML.Peft.Benchmarks;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

if (options.Child is not null)
{
    if (options.Threads is { } threads)
    {
        TorchSharp.torch.set_num_threads(threads);
    }

    return ChildJobs.Run(options);
}

return options.ComparesMethods ? MethodComparisonRunner.Run(options, args)
    : options.MeasuresMemory ? MemoryRunner.Run(options, args)
    : options.ComparesWithPyTorch ? PyTorchComparisonRunner.Run(options, args)
    : BenchmarkRunner.Run(options, args);
