// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Where every mode's report goes: standard output always, and the <c>--output</c> file when one is given.</summary>
internal static class ReportOutput
{
    internal static void Publish(string report, string? output)
    {
        Console.Out.Write(report);
        if (output is null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, report);
        Log.Info($"report written to {Path.GetFullPath(output)}");
    }
}
