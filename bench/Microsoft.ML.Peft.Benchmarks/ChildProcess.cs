// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using System.Text.Json;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Runs one configuration in a child process of this same executable (<c>--child KIND --backbone NAME</c>). The child
/// logs on standard error, which the parent passes through, and writes its result as one JSON line on standard output.
/// </summary>
internal static class ChildProcess
{
    private const string ResultPrefix = "BENCH-RESULT ";

    /// <summary>Called in the child: hands the result to the parent.</summary>
    internal static void WriteResult<T>(T result)
    {
        Console.Out.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, ResultJson.Compact));
        Console.Out.Flush();
    }

    /// <summary>Called in the parent: runs the child to its end and reads its result, or says why there is none.</summary>
    internal static (T? Result, string? Error) Run<T>(IReadOnlyList<string> arguments)
        where T : class
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this executable is unknown.");

        // Started as `dotnet Microsoft.ML.Peft.Benchmarks.dll`: start the child the same way.
        bool viaDotnet = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return RunProgram<T>(host, viaDotnet ? arguments.Prepend(typeof(ChildProcess).Assembly.Location).ToArray() : arguments);
    }

    /// <summary>
    /// Runs another program that speaks the same protocol (the PyTorch script: progress on standard error, a
    /// <c>BENCH-RESULT</c> line of camelCase JSON on standard output) and reads its result.
    /// </summary>
    internal static (T? Result, string? Error) RunProgram<T>(string fileName, IReadOnlyList<string> arguments)
        where T : class
    {
        var start = new ProcessStartInfo { FileName = fileName, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        string? json = null;
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
            {
                json = line[ResultPrefix.Length..];
            }
            else
            {
                Console.Error.WriteLine(line);
            }
        }

        process.WaitForExit();
        if (process.ExitCode != 0 || json is null)
        {
            return (null, $"child `{string.Join(' ', arguments.Take(4))}` exited with code {process.ExitCode}{(json is null ? " without a result" : string.Empty)}");
        }

        return (JsonSerializer.Deserialize<T>(json, ResultJson.Compact), null);
    }
}
