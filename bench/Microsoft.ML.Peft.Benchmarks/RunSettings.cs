// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The settings a report was produced with.</summary>
internal sealed record RunSettings(
    string CommandLine,
    int Batch,
    int SequenceLength,
    int Warmup,
    int Steps,
    int InferenceSteps,
    int PaddingSteps,
    int Rank,
    double Alpha,
    double LoraDropout,
    int Seed)
{
    internal static RunSettings From(BenchmarkOptions options, IEnumerable<string> args) => new(
        string.Join(' ', args), options.Batch, options.SequenceLength, options.Warmup, options.Steps, options.InferenceSteps,
        options.PaddingSteps, options.Rank, options.Alpha, options.LoraDropout, options.Seed);
}
