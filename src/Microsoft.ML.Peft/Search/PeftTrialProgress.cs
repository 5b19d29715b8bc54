// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>A rank search's report after a trial (or a part of one) is evaluated.</summary>
public sealed class PeftTrialProgress
{
    internal PeftTrialProgress(PeftTrialResult trial, PeftTrialResult? best, int trialsStarted, int maxTrials, TimeSpan elapsed)
    {
        Trial = trial;
        Best = best;
        TrialsStarted = trialsStarted;
        MaxTrials = maxTrials;
        Elapsed = elapsed;
    }

    /// <summary>Gets the trial just evaluated.</summary>
    public PeftTrialResult Trial { get; }

    /// <summary>Gets the best trial so far.</summary>
    public PeftTrialResult? Best { get; }

    /// <summary>Gets how many trials have started (n of <see cref="MaxTrials"/>).</summary>
    public int TrialsStarted { get; }

    /// <summary>Gets the trial budget.</summary>
    public int MaxTrials { get; }

    /// <summary>Gets the time since the search started.</summary>
    public TimeSpan Elapsed { get; }
}
