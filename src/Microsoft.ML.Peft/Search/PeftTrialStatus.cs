// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How a trial of a rank search ended.</summary>
public enum PeftTrialStatus
{
    /// <summary>It trained its whole schedule and was evaluated.</summary>
    Completed,

    /// <summary>It trained part of its schedule and was evaluated; successive halving did not continue it.</summary>
    Paused,

    /// <summary>The time budget ran out or the search was cancelled while it trained; it has no metric.</summary>
    Cancelled,

    /// <summary>
    /// Training failed, for example on a loss that became non-finite at too high a learning rate; it has no metric, and
    /// <see cref="PeftTrialResult.Error"/> says why. The search goes on with the other trials.
    /// </summary>
    Failed,
}
