// Licensed under the MIT license. See LICENSE in the repository root.

namespace Microsoft.ML.Peft;

/// <summary>One trial of a rank search: its settings, what it cost, and its validation metric. A row of the leaderboard.</summary>
public sealed class PeftTrialResult
{
    internal PeftTrialResult(int trialId, PeftConfig method, double learningRate)
    {
        TrialId = trialId;
        Method = method;
        LearningRate = learningRate;
    }

    /// <summary>Gets the trial's number, from 1, in the order the trials started.</summary>
    public int TrialId { get; }

    /// <summary>Gets the trial's method configuration, with its rank, alpha, dropout and targets as trained.</summary>
    public PeftConfig Method { get; }

    /// <summary>Gets the method's <c>peft_type</c>, with <c>+DoRA</c> for LoRA with <c>use_dora</c>.</summary>
    public string MethodName => Method is LoraConfig { UseDora: true } ? $"{Method.PeftType}+DoRA" : Method.PeftType;

    /// <summary>Gets the rank, or null for a method without one.</summary>
    public int? Rank { get; internal set; }

    /// <summary>Gets alpha, or null for a method without one.</summary>
    public double? Alpha { get; internal set; }

    /// <summary>Gets the adapter dropout, or null for a method without one.</summary>
    public double? Dropout { get; internal set; }

    /// <summary>Gets the target modules the trial named, or null for the task's default.</summary>
    public IReadOnlyList<string>? TargetModules { get; internal set; }

    /// <summary>Gets AdamW's peak learning rate.</summary>
    public double LearningRate { get; }

    /// <summary>Gets how the trial ended.</summary>
    public PeftTrialStatus Status { get; internal set; }

    /// <summary>Gets why the trial failed (<see cref="PeftTrialStatus.Failed"/>); null otherwise.</summary>
    public string? Error { get; internal set; }

    /// <summary>Gets the validation metric after the last part trained; NaN when the trial was cancelled first.</summary>
    public double Metric { get; internal set; } = double.NaN;

    /// <summary>Gets the metric after each part of the schedule successive halving trained (one value for the other tuners).</summary>
    public IReadOnlyList<double> RungMetrics { get; internal set; } = Array.Empty<double>();

    /// <summary>Gets the share of the schedule trained, from 0 to 1.</summary>
    public double ScheduleFraction { get; internal set; }

    /// <summary>Gets the optimizer steps trained.</summary>
    public int Steps { get; internal set; }

    /// <summary>Gets the trainable parameters, the head's included.</summary>
    public long TrainableParameters { get; internal set; }

    /// <summary>Gets the size of the adapter as Hugging Face PEFT files (<c>adapter_model.safetensors</c> and <c>adapter_config.json</c>), in bytes.</summary>
    public long AdapterBytes { get; internal set; }

    /// <summary>Gets the time the trial took: training, evaluation and writing its adapter, over all its parts.</summary>
    public TimeSpan Duration { get; internal set; }

    /// <summary>
    /// Gets the process's peak resident memory while the trial ran, in bytes (the peak is reset before each trial where Linux
    /// allows it); null where the platform does not report it.
    /// </summary>
    public long? PeakMemoryBytes { get; internal set; }

    /// <summary>Describes the trial in one line.</summary>
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"#{TrialId} {MethodName} r{Rank?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} α{Alpha?.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} lr {LearningRate:G3}: {Metric:F4} ({Status}, {ScheduleFraction:P0} of the schedule)");
}
