// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The parent of the PyTorch comparison (<c>--sections pytorch</c>): bert-base's LoRA and full fine-tuning steps, their
/// peak RSS and inference latency, here and in PyTorch (pytorch/bert_step.py), alternating, each configuration in a
/// process of its own on both sides. The script writes the weights, LoRA A matrices and batch once; both sides load them.
/// </summary>
internal static class PyTorchComparisonRunner
{
    /// <summary>The intra-op threads of both sides unless --threads says otherwise: those of a 2-core machine.</summary>
    private const int DefaultThreads = 2;

    // Debian's libtorch links both; each is an alternative that the OpenMP or the pthread build of OpenBLAS provides.
    private static readonly string[] s_blasAlternatives = { "libblas.so.3", "libopenblas.so.0" };

    internal static int Run(BenchmarkOptions options, IReadOnlyList<string> args)
    {
        if (PyTorchScript.Unavailable(options.Python) is { } why)
        {
            // A benchmark, not a test: without Python torch there is nothing to compare with, which is not a failure.
            Log.Info($"pytorch section skipped: {why}");
            Console.Out.WriteLine($"PyTorch comparison skipped: {why}");
            return 0;
        }

        var stopwatch = Stopwatch.StartNew();
        var machine = MachineInfo.Capture();
        int threads = options.Threads ?? DefaultThreads;
        var failures = new List<string>();
        var folder = Directory.CreateTempSubdirectory("peft-pytorch-bench-");
        try
        {
            Log.Info($"pytorch: writing the shared weights, LoRA A matrices and batch to {folder.FullName}");
            var (init, initError) = PyTorchScript.Run(options, "init", folder.FullName, threads);
            if (init is null)
            {
                Log.Info($"pytorch: {initError}");
                return 1;
            }

            T? Record<T>((T? Result, string? Error) run)
                where T : class
            {
                if (run.Error is not null)
                {
                    Log.Info(run.Error);
                    failures.Add(run.Error);
                }

                return run.Result;
            }

            TrainingResult? Ours(string job, double loraDropout, double hiddenDropout) =>
                Record(ChildProcess.Run<TrainingResult>(options.PyTorchChildArguments(job, loraDropout, hiddenDropout, threads, folder.FullName)));
            PyTorchResult? Theirs(string mode, double loraDropout, double hiddenDropout) =>
                Record(PyTorchScript.Run(options, mode, folder.FullName, threads, loraDropout, hiddenDropout));

            var lossChecks = new List<PyTorchLossCheck>();
            foreach (var (job, mode) in new[] { (ChildJobs.TrainLora, TrainingBenchmark.Lora), (ChildJobs.TrainFull, TrainingBenchmark.Full) })
            {
                Log.Info($"loss check, {mode}, every dropout 0");
                var ours = Ours(job, 0, 0);
                var theirs = Theirs(mode, 0, 0);
                if (ours?.Losses is { } a && theirs?.Losses is { } b)
                {
                    lossChecks.Add(PyTorchLossCheck.From(mode, a, b));
                    Log.Info($"{mode}: max |loss difference| {lossChecks[^1].MaxAbsDifference:G3} over {Math.Min(a.Length, b.Length)} steps");
                }
            }

            var rounds = new List<PyTorchRound>();
            for (int round = 1; round <= options.Rounds; round++)
            {
                bool oursFirst = round % 2 == 1;
                (TOurs?, PyTorchResult?) Pair<TOurs>(string what, Func<TOurs?> ours, Func<PyTorchResult?> theirs)
                {
                    Log.Info($"round {round}/{options.Rounds}: {what}, {(oursFirst ? "ours first" : "PyTorch first")}");
                    if (oursFirst)
                    {
                        var first = ours();
                        return (first, theirs());
                    }

                    var second = theirs();
                    return (ours(), second);
                }

                double dropout = options.LoraDropout;
                var loraDropout = Pair($"LoRA, dropout {dropout}", () => Ours(ChildJobs.TrainLora, dropout, 0.1), () => Theirs(TrainingBenchmark.Lora, dropout, 0.1));
                var loraNoDropout = Pair("LoRA, dropout 0", () => Ours(ChildJobs.TrainLora, 0, 0.1), () => Theirs(TrainingBenchmark.Lora, 0, 0.1));
                var full = Pair("full fine-tuning", () => Ours(ChildJobs.TrainFull, dropout, 0.1), () => Theirs(TrainingBenchmark.Full, dropout, 0.1));
                var inference = Pair(
                    "inference",
                    () => Record(ChildProcess.Run<InferenceResult>(options.PyTorchChildArguments(ChildJobs.Inference, dropout, 0.1, threads, folder.FullName))),
                    () => Theirs("inference", dropout, 0.1));
                rounds.Add(new PyTorchRound(
                    round, oursFirst, loraDropout.Item1, loraDropout.Item2, loraNoDropout.Item1, loraNoDropout.Item2,
                    full.Item1, full.Item2, inference.Item1, inference.Item2));
            }

            var results = new PyTorchComparisonResults(
                machine with { LoadAverageAtEnd = MachineInfo.LoadAverage() },
                RunSettings.From(options, args),
                threads,
                options.Python,
                init.TorchVersion,
                BlasLibraries(),
                lossChecks,
                rounds,
                failures,
                stopwatch.Elapsed.TotalSeconds);
            ReportOutput.Publish(PyTorchReport.Write(results), options.Output);
            return failures.Count > 0 ? 1 : 0;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Where Debian's BLAS alternatives point, e.g. <c>libblas.so.3 → …/openblas-openmp/libblas.so.3</c>; null off Debian.</summary>
    private static string? BlasLibraries()
    {
        var links = s_blasAlternatives
            .Select(name => (name, link: new FileInfo($"/etc/alternatives/{name}-x86_64-linux-gnu")))
            .Where(a => a.link.Exists)
            .Select(a => $"{a.name} → {a.link.ResolveLinkTarget(returnFinalTarget: false)?.FullName}")
            .ToList();
        return links.Count > 0 ? string.Join(", ", links) : null;
    }
}
