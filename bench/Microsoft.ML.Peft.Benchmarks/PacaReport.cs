// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>The report section of the PaCA-vs-LoRA memory comparison.</summary>
internal static class PacaReport
{
    internal static void Append(StringBuilder text, string backbone, IReadOnlyList<TrainingResult> runs)
    {
        text.AppendLine($"## {backbone}: PaCA vs LoRA, same trainable parameters").AppendLine();
        text.AppendLine("LoRA r and PaCA 2r train the same number of parameters; dropout 0. Peak RSS is VmHWM of a process that runs only that configuration; \"activations\" is peak RSS minus the RSS before the first step.").AppendLine();
        text.AppendLine("| run | trainable params | step median (s) | peak RSS (GiB) | RSS before 1st step (GiB) | activations (MiB) | last loss |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var t in runs)
        {
            text.AppendLine(Invariant(
                $"| {t.Mode} | {t.TrainableParameters:N0} | {t.Step.Median:F3} | {GiB(t.PeakResidentBytes)} | {GiB(t.ResidentBeforeFirstStepBytes)} | {MiB(t.PeakResidentBytes - t.ResidentBeforeFirstStepBytes)} | {t.LastLoss:F4} |"));
        }

        text.AppendLine();
        foreach (var (lora, paca) in new[] { (PacaSetup.LoraAttention, PacaSetup.PacaAttention), (PacaSetup.LoraAllLinear, PacaSetup.PacaAllLinear) })
        {
            var l = runs.FirstOrDefault(r => r.Mode == lora);
            var p = runs.FirstOrDefault(r => r.Mode == paca);
            if (l is not null && p is not null)
            {
                text.AppendLine(Invariant(
                    $"- {paca} / {lora}: peak RSS {(double)p.PeakResidentBytes / l.PeakResidentBytes:F3} ({MiB(p.PeakResidentBytes - l.PeakResidentBytes)} MiB), step time {p.Step.Median / l.Step.Median:F3}."));
            }
        }

        text.AppendLine();
    }

    private static string GiB(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("F2", CultureInfo.InvariantCulture);

    private static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
