// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using Microsoft.ML.Peft;

namespace RankSearch;

/// <summary>One line per evaluated trial: trial n of m, its result, the best so far, and the time.</summary>
internal sealed class TrialLog : IProgress<PeftTrialProgress>
{
    public void Report(PeftTrialProgress value) => Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"  [{value.Elapsed:mm\\:ss}] trial {value.TrialsStarted} of {value.MaxTrials}: {value.Trial}; best so far #{value.Best?.TrialId} {value.Best?.Metric:F4}"));
}
