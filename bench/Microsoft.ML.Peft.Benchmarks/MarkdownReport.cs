// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The report: targets table, one section per backbone, and the raw numbers as JSON.</summary>
internal static class MarkdownReport
{
    internal static string Write(BenchmarkResults results)
    {
        var text = new StringBuilder();
        var machine = results.Machine;
        var settings = results.Settings;
        text.AppendLine("# Microsoft.ML.Peft benchmarks").AppendLine();
        text.AppendLine(Invariant($"- Machine: {machine.CpuModel ?? "unknown CPU"}, {machine.LogicalCores} logical cores, {GiB(machine.TotalMemoryBytes)} GiB, {machine.Os} ({machine.Architecture})"));
        text.AppendLine(Invariant($"- Runtime: {machine.Runtime}; TorchSharp {machine.TorchSharpVersion} (libtorch {machine.LibTorchVersion}, CPU); torch threads {machine.TorchThreads} (inter-op {machine.TorchInteropThreads}), left at their defaults"));
        text.AppendLine(Invariant($"- Load average (1/5/15 min): {machine.LoadAverageAtStart ?? "n/a"} at the start, {machine.LoadAverageAtEnd ?? "n/a"} at the end"));
        text.AppendLine(Invariant($"- Settings: batch {settings.Batch} × seq {settings.SequenceLength}; {settings.Warmup} warm-up + {settings.Steps} measured training steps (median), {settings.InferenceSteps} inference passes, {settings.PaddingSteps} padding steps per mode; LoRA r={settings.Rank}, alpha={settings.Alpha}, dropout {settings.LoraDropout} on query/value; seed {settings.Seed}"));
        text.AppendLine(Invariant($"- fp32 matmul {results.MatmulAtStart.Size}³: {results.MatmulGflops:F1} GFLOP/s (the better of {results.MatmulAtStart.Gflops:F1} at the start and {results.MatmulAtEnd.Gflops:F1} at the end; medians of {results.MatmulAtStart.Time.Samples.Length} each)"));
        text.AppendLine(Invariant($"- Command: `{settings.CommandLine}`; total run time {results.ElapsedSeconds:F0} s")).AppendLine();

        var targets = Targets(results);
        text.AppendLine("## Targets").AppendLine();
        text.AppendLine("| figure | backbone | value | target | met |");
        text.AppendLine("|---|---|---:|---|---|");
        foreach (var row in targets)
        {
            text.AppendLine(Invariant($"| {row.Figure} | {row.Backbone} | {(row.Value is { } v ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a")} | {row.Target ?? "—"} | {(row.Met is { } met ? (met ? "yes" : "**no**") : "—")} |"));
        }

        text.AppendLine();
        foreach (var backbone in results.Backbones)
        {
            AppendBackbone(text, backbone, results.MatmulGflops);
        }

        foreach (var backbone in results.Backbones.Where(b => b.MemoryComparison is not null))
        {
            PacaReport.Append(text, backbone.Name, backbone.MemoryComparison!);
        }

        text.AppendLine("## Raw numbers").AppendLine();
        text.AppendLine("```json");
        text.AppendLine(JsonSerializer.Serialize(new { targets, results }, ResultJson.Indented));
        text.AppendLine("```");
        return text.ToString();
    }

    private static List<TargetRow> Targets(BenchmarkResults results)
    {
        var rows = new List<TargetRow>();
        foreach (var b in results.Backbones)
        {
            double matmul = results.MatmulGflops;
            if (ImageBenchmarkBackbone.IsImage(b.Name))
            {
                // The targets were set for the text encoders; the image figures are reported beside them.
                rows.Add(TargetRow.Report("image training step time, LoRA / full", b.Name, b.StepTimeRatio));
                rows.Add(TargetRow.Report("image peak RSS, LoRA / full", b.Name, b.PeakMemoryRatio));
                rows.Add(TargetRow.Report("image LoRA step GFLOP/s / fp32 matmul GFLOP/s", b.Name, b.Lora?.AchievedGflops / matmul));
                rows.Add(TargetRow.Report("image full step GFLOP/s / fp32 matmul GFLOP/s", b.Name, b.Full?.AchievedGflops / matmul));
                continue;
            }

            rows.Add(TargetRow.AtMost("training step time, LoRA / full", b.Name, b.StepTimeRatio, 0.62));
            rows.Add(TargetRow.AtMost("peak RSS, LoRA / full", b.Name, b.PeakMemoryRatio, 0.40));
            rows.Add(TargetRow.AtLeast("LoRA step GFLOP/s / fp32 matmul GFLOP/s", b.Name, b.Lora?.AchievedGflops / matmul, 0.75));
            rows.Add(TargetRow.Report("full step GFLOP/s / fp32 matmul GFLOP/s", b.Name, b.Full?.AchievedGflops / matmul));
            rows.Add(TargetRow.Report("inference, LoRA unmerged / base", b.Name, b.Inference?.UnmergedOverBase));
            rows.Add(TargetRow.AtMost("inference, LoRA merged / base", b.Name, b.Inference?.MergedOverBase, 1.02));
            rows.Add(TargetRow.Report("LoRA rows/s, dynamic padding / pad-to-max", b.Name, b.Padding?.Speedup));
            if (b.MixedAdapters is { } m)
            {
                rows.Add(TargetRow.Report("rows/s, mixed-adapter batch / one adapter", b.Name, m.MixedOverSingle));
                rows.Add(TargetRow.Report("rows/s, mixed-adapter batch / one batch per adapter", b.Name, m.MixedOverSequential));
            }
        }

        return rows;
    }

    private static void AppendBackbone(StringBuilder text, BackboneResults b, double matmul)
    {
        text.AppendLine($"## {b.Name}").AppendLine();
        if (ImageBenchmarkBackbone.IsImage(b.Name))
        {
            text.AppendLine("Batches of 224 × 224 random images, 10 classes; LoRA on the image classifier's default targets with the head in modules_to_save; BatchNorm statistics frozen in both modes.").AppendLine();
        }

        foreach (string failure in b.Failures)
        {
            text.AppendLine($"- **failed**: {failure}");
        }

        if (b.Full is not null || b.Lora is not null)
        {
            text.AppendLine("| training | step median (s) | min–max (s) | peak RSS (GiB) | RSS before 1st step (GiB) | params+grads+AdamW (GiB) | trainable / all params | GFLOP/step | GFLOP/s | ÷ matmul | last loss |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var t in new[] { b.Full, b.Lora }.OfType<TrainingResult>())
            {
                text.AppendLine(Invariant(
                    $"| {t.Mode} | {t.Step.Median:F3} | {t.Step.Min:F3}–{t.Step.Max:F3} | {GiB(t.PeakResidentBytes)} | {GiB(t.ResidentBeforeFirstStepBytes)} | {GiB(t.StateBytes)} | {t.TrainableParameters:N0} / {t.TotalParameters:N0} | {t.StepFlops / 1e9:F1} | {t.AchievedGflops:F1} | {t.AchievedGflops / matmul:F3} | {t.LastLoss:F4} |"));
            }

            text.AppendLine();
        }

        if (b.Inference is { } i)
        {
            text.AppendLine("| inference (eval, no_grad) | median (ms) | min–max (ms) | ÷ base |");
            text.AppendLine("|---|---:|---:|---:|");
            text.AppendLine(Invariant($"| base | {i.Base.Median * 1000:F1} | {i.Base.Min * 1000:F1}–{i.Base.Max * 1000:F1} | 1.000 |"));
            text.AppendLine(Invariant($"| LoRA unmerged | {i.LoraUnmerged.Median * 1000:F1} | {i.LoraUnmerged.Min * 1000:F1}–{i.LoraUnmerged.Max * 1000:F1} | {i.UnmergedOverBase:F3} |"));
            text.AppendLine(Invariant($"| LoRA merged | {i.LoraMerged.Median * 1000:F1} | {i.LoraMerged.Min * 1000:F1}–{i.LoraMerged.Max * 1000:F1} | {i.MergedOverBase:F3} |"));
            text.AppendLine().AppendLine(Invariant($"Merged vs unmerged logits: max |difference| = {i.MergedMaxAbsDifference:G3}.")).AppendLine();
        }

        if (b.Padding is { } p)
        {
            text.AppendLine(Invariant($"SMS spam, {p.Messages} messages: mean {p.MeanTokens:F1} tokens, {p.TruncatedMessages} truncated at {p.MaxLength}; bucketed batches of an epoch pad to {p.EpochMeanPaddedLength:F1} on average; measured batches pad to [{string.Join(", ", p.MeasuredPaddedLengths)}].")).AppendLine();
            text.AppendLine("| LoRA training, padding | mean padded length | step median (s) | rows/s |");
            text.AppendLine("|---|---:|---:|---:|");
            text.AppendLine(Invariant($"| pad to {p.MaxLength} | {p.MaxLength} | {p.PadToMax.Median:F3} | {p.PadToMaxRowsPerSecond:F1} |"));
            text.AppendLine(Invariant($"| dynamic (length buckets) | {p.MeasuredMeanPaddedLength:F1} | {p.Dynamic.Median:F3} | {p.DynamicRowsPerSecond:F1} |"));
            text.AppendLine().AppendLine(Invariant($"Throughput ratio dynamic / pad-to-max: {p.Speedup:F2}×.")).AppendLine();
        }

        if (b.MixedAdapters is { } m)
        {
            AppendMixedAdapters(text, m);
        }
    }

    private static void AppendMixedAdapters(StringBuilder text, MixedAdapterResult m)
    {
        text.AppendLine(Invariant($"{m.Adapters} LoRA adapters on query/value, {m.Rows} rows: [{string.Join(", ", m.RowAdapters)}].")).AppendLine();
        text.AppendLine("| serving (eval, no_grad) | median (ms) | min–max (ms) | rows/s | ÷ one adapter |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (label, t) in new[] { ("one adapter, whole batch", m.SingleAdapter), ("mixed batch (per-row adapters)", m.Mixed), ("one batch per adapter, in turn", m.Sequential) })
        {
            text.AppendLine(Invariant($"| {label} | {t.Median * 1000:F1} | {t.Min * 1000:F1}–{t.Max * 1000:F1} | {m.Rows / t.Median:F1} | {m.SingleAdapter.Median / t.Median:F3} |"));
        }

        text.AppendLine().AppendLine(Invariant($"Mixed vs per-adapter logits: max |difference| = {m.MixedMaxAbsDifference:G3} (mixed vs the first adapter everywhere: {m.MixedVersusSingleMaxAbsDifference:G3}, so the adapters do differ).")).AppendLine();
    }

    private static string GiB(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("F2", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
