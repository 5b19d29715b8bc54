// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The reference: plain fp32 <c>torch.matmul</c> of two n×n matrices with libtorch's default threads.</summary>
internal static class MatmulBenchmark
{
    private const int WarmupReps = 3;

    internal static MatmulResult Run(int size, int reps, int seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var a = randn(new long[] { size, size }, generator: generator);
        var b = randn(new long[] { size, size }, generator: generator);
        var samples = new List<double>();
        for (int i = 0; i < WarmupReps + reps; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            using (var step = NewDisposeScope())
            {
                _ = a.matmul(b);
            }

            if (i >= WarmupReps)
            {
                samples.Add(stopwatch.Elapsed.TotalSeconds);
            }
        }

        var time = TimingSummary.From(samples);
        return new MatmulResult(size, time, 2.0 * size * size * size / time.Median / 1e9);
    }
}
