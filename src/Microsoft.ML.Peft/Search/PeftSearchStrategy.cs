// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>How a rank search chooses its trials.</summary>
public enum PeftSearchStrategy
{
    /// <summary>Every combination of the search space, each trained for the whole schedule, in a fixed order.</summary>
    Grid,

    /// <summary>Draws from the search space (seeded), each trained for the whole schedule, until a budget runs out.</summary>
    Random,

    /// <summary>
    /// Asynchronous successive halving (ASHA, Li et al. 2020): new trials train a first fraction of the schedule; whenever a trial
    /// is in the best 1 / η of those measured at its rung, it continues to the next rung from where it paused, so most of the time
    /// goes to the trials that look best. The rungs are η<sup>−k</sup> of the schedule.
    /// </summary>
    SuccessiveHalving,

    /// <summary>
    /// DyLoRA's fast path: one DyLoRA run at the largest rank, then every rank of the space is evaluated with no retraining
    /// (<see cref="DyLoraModelExtensions.EvaluateDyLoraRanks"/>) and the best is kept. One run per learning rate of the grid.
    /// </summary>
    DyLora,
}
