// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// What a tuner asks the runner for: train trial <paramref name="TrialId"/> (a point of the space) up to
/// <paramref name="ScheduleFraction"/> of its schedule, continuing where it paused when it ran before.
/// </summary>
/// <param name="TrialId">The trial's number, from 1.</param>
/// <param name="Point">The settings.</param>
/// <param name="ScheduleFraction">How much of the schedule it has trained when this request is done, in (0, 1].</param>
/// <param name="Rung">Successive halving's rung (0 for the other tuners).</param>
/// <param name="IsNew">True for a trial's first request, which counts against the trial budget.</param>
internal sealed record TrialRequest(int TrialId, SearchPoint Point, double ScheduleFraction, int Rung, bool IsNew);
