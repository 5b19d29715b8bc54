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
    /// <summary>
    /// The reference GFLOP/s: the better of the two measurements, since load from other processes only ever slows a matmul
    /// down (right after a build, the first one is often low).
    /// </summary>
    public double MatmulGflops => Math.Max(MatmulAtStart.Gflops, MatmulAtEnd.Gflops);
}
