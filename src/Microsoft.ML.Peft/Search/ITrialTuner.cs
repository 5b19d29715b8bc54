// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>Proposes the next trial and learns from the results, as AutoML's tuners do; one per strategy.</summary>
internal interface ITrialTuner
{
    /// <summary>The trials this tuner would start with no trial budget, for progress (trial n of m).</summary>
    int PlannedTrials { get; }

    /// <summary>The next request, or null when the tuner has nothing left to propose.</summary>
    /// <param name="mayStartNew">False once the trial budget is spent: only continuations of started trials may be proposed.</param>
    TrialRequest? Next(bool mayStartNew);

    /// <summary>Records the validation metric of a finished request.</summary>
    void Report(TrialRequest request, double metric);
}
