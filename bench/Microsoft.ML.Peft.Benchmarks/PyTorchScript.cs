// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The PyTorch side of the comparison: pytorch/bert_step.py, copied next to this executable by the build, run by the
/// interpreter that has torch. On Debian that is /usr/bin/python3 with python3-torch; a pyenv or virtual-environment
/// python3 earlier on PATH usually has no torch, which is why the path is explicit.
/// </summary>
internal static class PyTorchScript
{
    internal const string AptCommand = "apt-get install python3-torch libopenblas0-openmp";

    internal static string ScriptPath => Path.Combine(AppContext.BaseDirectory, "pytorch", "bert_step.py");

    /// <summary>Null when <paramref name="python"/> can import torch; otherwise why the comparison cannot run.</summary>
    internal static string? Unavailable(string python)
    {
        if (!File.Exists(ScriptPath))
        {
            return $"the PyTorch script is missing at {ScriptPath}; build the benchmark project again.";
        }

        try
        {
            var start = new ProcessStartInfo { FileName = python, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "-c", "import torch" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null
                : $"{python} cannot import the Python module `torch` ({error.Trim().Split('\n')[^1]}); install it with `{AptCommand}`, or name an interpreter that has it with --python.";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"{python} could not be started ({ex.Message}); install Debian's Python torch with `{AptCommand}`, or name an interpreter that has the module `torch` with --python.";
        }
    }

    /// <summary>Runs the script in <paramref name="mode"/> on the shapes and settings of <paramref name="options"/>.</summary>
    internal static (PyTorchResult? Result, string? Error) Run(
        BenchmarkOptions options, string mode, string folder, int threads, double loraDropout = 0, double hiddenDropout = 0.1)
    {
        string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);
        double learningRate = mode == TrainingBenchmark.Full ? TrainingBenchmark.FullLearningRate : TrainingBenchmark.LoraLearningRate;
        return ChildProcess.RunProgram<PyTorchResult>(options.Python, new[]
        {
            ScriptPath, "--mode", mode, "--dir", folder,
            "--batch", Whole(options.Batch), "--seq", Whole(options.SequenceLength),
            "--warmup", Whole(options.Warmup), "--steps", Whole(options.Steps), "--infer-steps", Whole(options.InferenceSteps),
            "--rank", Whole(options.Rank), "--alpha", Text(options.Alpha), "--lora-dropout", Text(loraDropout),
            "--hidden-dropout", Text(hiddenDropout), "--lr", Text(learningRate), "--seed", Whole(options.Seed), "--threads", Whole(threads),
        });
    }
}
