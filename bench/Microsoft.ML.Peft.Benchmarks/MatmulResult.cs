// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>A square fp32 matmul of <paramref name="Size"/>: its timing and 2·n³ / median seconds in GFLOP/s.</summary>
internal sealed record MatmulResult(int Size, TimingSummary Time, double Gflops);
