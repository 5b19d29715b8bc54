// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// The PyTorch comparison's report: the paired ratios (each round's figure here over the same round's figure in PyTorch,
/// the median over the rounds), each round's ratios, the step-by-step losses without dropout, and the raw JSON.
/// </summary>
internal static class PyTorchReport
{
    private delegate double? Figure(PyTorchRound round);

    internal static string Write(PyTorchComparisonResults results)
    {
        var text = new StringBuilder();
        var machine = results.Machine;
        var settings = results.Settings;
        var rounds = results.Rounds;
        text.AppendLine("# Microsoft.ML.Peft against PyTorch (bert-base shape, random weights)").AppendLine();
        text.AppendLine(Invariant($"- Machine: {machine.CpuModel ?? "unknown CPU"}, {machine.LogicalCores} logical cores, {machine.Os}"));
        text.AppendLine(Invariant($"- Here: TorchSharp {machine.TorchSharpVersion} (libtorch {machine.LibTorchVersion}); PyTorch: torch {results.TorchVersion} from {results.Python}, BLAS {results.Blas ?? "n/a"}; {results.Threads} intra-op threads on both sides"));
        text.AppendLine(Invariant($"- Settings: batch {settings.Batch} × seq {settings.SequenceLength}; {settings.Warmup} warm-up + {settings.Steps} measured training steps (median), {settings.InferenceSteps} inference passes; LoRA r={settings.Rank}, alpha={settings.Alpha} on query/value; seed {settings.Seed}; rounds: {rounds.Count}, ours first in odd rounds"));
        text.AppendLine(Invariant($"- Load average (1/5/15 min): {machine.LoadAverageAtStart ?? "n/a"} at the start, {machine.LoadAverageAtEnd ?? "n/a"} at the end"));
        text.AppendLine(Invariant($"- Command: `{settings.CommandLine}`; total run time {results.ElapsedSeconds:F0} s")).AppendLine();

        string dropout = settings.LoraDropout.ToString(CultureInfo.InvariantCulture);
        text.AppendLine("## Paired ratios (median over the rounds)").AppendLine();
        text.AppendLine("| figure | here | PyTorch | here / PyTorch |").AppendLine("|---|---:|---:|---:|");
        Row(text, $"LoRA r{settings.Rank} step, dropout {dropout} / 0", "s", "F3", rounds, r => r.LoraDropout?.Step.Median, r => Median(r.PyTorchLoraDropout?.StepSeconds), r => r.LoraNoDropout?.Step.Median, r => Median(r.PyTorchLoraNoDropout?.StepSeconds));
        Row(text, "full fine-tuning step", "s", "F3", rounds, r => r.Full?.Step.Median, r => Median(r.PyTorchFull?.StepSeconds));
        Row(text, $"LoRA peak RSS, dropout {dropout} / 0", "GiB", "F2", rounds, r => GiB(r.LoraDropout?.PeakResidentBytes), r => GiB(r.PyTorchLoraDropout?.PeakResidentBytes), r => GiB(r.LoraNoDropout?.PeakResidentBytes), r => GiB(r.PyTorchLoraNoDropout?.PeakResidentBytes));
        Row(text, "full fine-tuning peak RSS", "GiB", "F2", rounds, r => GiB(r.Full?.PeakResidentBytes), r => GiB(r.PyTorchFull?.PeakResidentBytes));
        Row(text, "inference base / LoRA unmerged", "ms", "F1", rounds, r => r.Inference?.Base.Median * 1000, r => Median(r.PyTorchInference?.BaseSeconds) * 1000, r => r.Inference?.LoraUnmerged.Median * 1000, r => Median(r.PyTorchInference?.UnmergedSeconds) * 1000);
        text.AppendLine().AppendLine("Hidden and attention dropout are 0.1 in every row, as in Hugging Face. Peak RSS is VmHWM of each configuration's own process on both sides.").AppendLine();

        text.AppendLine("## Each round, here / PyTorch").AppendLine();
        text.AppendLine($"| round | first | LoRA step, dropout {dropout} | LoRA step, dropout 0 | full step | LoRA peak RSS, dropout {dropout} | full peak RSS | inference base | inference LoRA unmerged |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rounds)
        {
            string Cell(double? here, double? pytorch) => Ratio(here, pytorch)?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a";
            text.AppendLine(Invariant($"| {r.Round} | {(r.OursFirst ? "here" : "PyTorch")} | {Cell(r.LoraDropout?.Step.Median, Median(r.PyTorchLoraDropout?.StepSeconds))} | {Cell(r.LoraNoDropout?.Step.Median, Median(r.PyTorchLoraNoDropout?.StepSeconds))} | {Cell(r.Full?.Step.Median, Median(r.PyTorchFull?.StepSeconds))} | {Cell(r.LoraDropout?.PeakResidentBytes, r.PyTorchLoraDropout?.PeakResidentBytes)} | {Cell(r.Full?.PeakResidentBytes, r.PyTorchFull?.PeakResidentBytes)} | {Cell(r.Inference?.Base.Median, Median(r.PyTorchInference?.BaseSeconds))} | {Cell(r.Inference?.LoraUnmerged.Median, Median(r.PyTorchInference?.UnmergedSeconds))} |"));
        }

        text.AppendLine().AppendLine("## Losses without dropout (same weights, LoRA A and batch on both sides)").AppendLine();
        text.AppendLine("Every dropout is 0 here (hidden, attention and LoRA), because the two sides' random generators differ; steps include the warm-up steps.").AppendLine();
        foreach (var check in results.LossChecks)
        {
            text.AppendLine(Invariant($"**{check.Mode}**: largest abs. difference **{check.MaxAbsDifference:G3}**")).AppendLine();
            text.AppendLine("| step | here | PyTorch | abs. difference |").AppendLine("|---:|---:|---:|---:|");
            for (int i = 0; i < Math.Min(check.Ours.Length, check.PyTorch.Length); i++)
            {
                text.AppendLine(Invariant($"| {i + 1} | {check.Ours[i]:F6} | {check.PyTorch[i]:F6} | {Math.Abs(check.Ours[i] - check.PyTorch[i]):G3} |"));
            }

            text.AppendLine();
        }

        foreach (string failure in results.Failures)
        {
            text.AppendLine($"**Failed:** {failure}").AppendLine();
        }

        text.AppendLine("## Raw numbers").AppendLine().AppendLine("```json");
        text.AppendLine(JsonSerializer.Serialize(results, ResultJson.Indented)).AppendLine("```");
        return text.ToString();
    }

    /// <summary>One row: one figure, or two separated by " / " (here and PyTorch in pairs).</summary>
    private static void Row(StringBuilder text, string label, string unit, string format, IReadOnlyList<PyTorchRound> rounds, params Figure[] hereThenPyTorch)
    {
        var here = new List<string>();
        var pytorch = new List<string>();
        var ratios = new List<string>();
        for (int i = 0; i < hereThenPyTorch.Length; i += 2)
        {
            var pairs = rounds.Select(r => (Here: hereThenPyTorch[i](r), PyTorch: hereThenPyTorch[i + 1](r))).ToList();
            string Show(double? value) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "n/a";
            here.Add(Show(Median(pairs.Select(p => p.Here))));
            pytorch.Add(Show(Median(pairs.Select(p => p.PyTorch))));
            ratios.Add(Median(pairs.Select(p => Ratio(p.Here, p.PyTorch)))?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a");
        }

        text.AppendLine($"| {label} | {string.Join(" / ", here)} {unit} | {string.Join(" / ", pytorch)} {unit} | {string.Join(" / ", ratios)} |");
    }

    private static double? Ratio(double? here, double? pytorch) => here is { } a && pytorch is { } b && b > 0 ? a / b : null;

    private static double? GiB(long? bytes) => bytes / (1024.0 * 1024 * 1024);

    private static double? Median(IEnumerable<double>? values) =>
        values?.ToArray() is { Length: > 0 } samples ? TimingSummary.From(samples).Median : null;

    private static double? Median(IEnumerable<double?> values) => Median(values.OfType<double>());

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
