// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;

namespace Microsoft.ML.Peft.Search;

/// <summary>
/// How long a request will take: building the model, its share of the schedule's steps, and the evaluation, from a timed fit
/// of the first steps, scaled by how far the finished requests were from their estimates. The search uses it to refuse a budget
/// too small for one trial before any trial starts, and not to start a request that cannot finish in the time left.
/// </summary>
internal sealed class TrialTimeEstimate
{
    private readonly Dictionary<int, double> _trained = new();
    private double _actual;
    private double _predicted;

    /// <param name="setup">Building the model and everything around training, per fit.</param>
    /// <param name="step">One optimizer step.</param>
    /// <param name="evaluation">Scoring the validation set and writing the adapter.</param>
    /// <param name="totalSteps">The steps of a whole schedule.</param>
    internal TrialTimeEstimate(TimeSpan setup, TimeSpan step, TimeSpan evaluation, int totalSteps)
    {
        Setup = setup;
        Step = step;
        Evaluation = evaluation;
        TotalSteps = totalSteps;
    }

    internal TimeSpan Setup { get; }

    internal TimeSpan Step { get; }

    internal TimeSpan Evaluation { get; }

    internal int TotalSteps { get; }

    /// <summary>The estimate for a request, from what its trial has trained so far.</summary>
    internal TimeSpan For(TrialRequest request)
    {
        double done = _trained.GetValueOrDefault(request.TrialId);
        var predicted = Predict(request.ScheduleFraction - done);
        double scale = _predicted > 0 ? _actual / _predicted : 1;
        return TimeSpan.FromSeconds(predicted.TotalSeconds * scale);
    }

    /// <summary>A new trial that trains <paramref name="fraction"/> of the schedule, before any trial ran.</summary>
    internal TimeSpan Predict(double fraction) =>
        Setup + Evaluation + TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(fraction * TotalSteps)) * Step.TotalSeconds);

    /// <summary>Learns from a finished request.</summary>
    internal void Record(TrialRequest request, TimeSpan duration)
    {
        double done = _trained.GetValueOrDefault(request.TrialId);
        _predicted += Predict(request.ScheduleFraction - done).TotalSeconds;
        _actual += duration.TotalSeconds;
        _trained[request.TrialId] = request.ScheduleFraction;
    }

    /// <summary>The estimate in words, for the error of a budget too small.</summary>
    internal string Describe(double fraction) => string.Create(
        CultureInfo.InvariantCulture,
        $"about {Predict(fraction).TotalSeconds:F0} s here ({Setup.TotalSeconds:F1} s to build the model, {Math.Max(1, Math.Ceiling(fraction * TotalSteps)):F0} steps of {Step.TotalSeconds:F2} s, {Evaluation.TotalSeconds:F1} s to evaluate)");
}
