// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Everything the PyTorch comparison measured, written as the report's raw JSON.</summary>
/// <param name="Threads">Intra-op threads on both sides.</param>
/// <param name="Blas">Where Debian's libblas.so.3 and libopenblas.so.0 alternatives point (OpenBLAS's OpenMP build is the one that suits torch).</param>
internal sealed record PyTorchComparisonResults(
    MachineInfo Machine,
    RunSettings Settings,
    int Threads,
    string Python,
    string? TorchVersion,
    string? Blas,
    IReadOnlyList<PyTorchLossCheck> LossChecks,
    IReadOnlyList<PyTorchRound> Rounds,
    IReadOnlyList<string> Failures,
    double ElapsedSeconds);
