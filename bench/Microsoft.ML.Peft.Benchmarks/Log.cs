// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>Progress lines on standard error, so that standard output carries only results (a child's JSON, the parent's report).</summary>
internal static class Log
{
    internal static string Prefix { get; set; } = "bench";

    internal static void Info(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss} {Prefix}] {message}");
}
