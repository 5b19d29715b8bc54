// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>One whole run: machine, settings, the matmul reference (measured at the start and at the end) and each backbone's results.</summary>
internal sealed record BenchmarkResults(
    MachineInfo Machine,
    RunSettings Settings,
    MatmulResult MatmulAtStart,
    MatmulResult MatmulAtEnd,
    List<BackboneResults> Backbones,
    double ElapsedSeconds)
{
    /// <summary>The reference GFLOP/s: the median over the matmuls of both measurements.</summary>
    internal double MatmulGflops
    {
        get
        {
            var all = TimingSummary.From(MatmulAtStart.Time.Samples.Concat(MatmulAtEnd.Time.Samples).ToArray());
            double size = MatmulAtStart.Size;
            return 2 * size * size * size / all.Median / 1e9;
        }
    }
}
