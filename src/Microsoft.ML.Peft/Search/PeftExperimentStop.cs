// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>Why a rank search ended.</summary>
public enum PeftExperimentStop
{
    /// <summary>The tuner had no trial left to propose (the grid is done, or successive halving finished its last rung).</summary>
    SpaceExhausted,

    /// <summary>The search ran <see cref="PeftExperimentOptions.MaxTrials"/> trials.</summary>
    TrialBudget,

    /// <summary>The search used <see cref="PeftExperimentOptions.MaxExperimentTime"/>.</summary>
    TimeBudget,

    /// <summary>The cancellation token was cancelled after at least one trial was evaluated.</summary>
    Cancelled,
}
