// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Security.Cryptography;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Everything that decides a run's trained values: the trainable parameters' names, dtypes and shapes, the
/// examples' count and lengths, and the settings that shape the optimization. A checkpoint is resumed only by a run
/// with the same fingerprint.
/// </summary>
/// <remarks>
/// Settings that only change when or how a run reports or saves (<see cref="TrainingSettings.CheckpointDirectory"/>,
/// <see cref="TrainingSettings.CheckpointEverySteps"/>, <see cref="TrainingSettings.ReportEverySteps"/>) and the device
/// are left out, so a run may be resumed with another checkpoint interval or on another device.
/// </remarks>
internal sealed class TrainingFingerprint
{
    internal const string ExampleCountKey = "ExampleCount";
    internal const string ExampleLengthsKey = "ExampleLengths";
    internal const string ValidationKey = "Validation";
    internal const string ParameterPrefix = "parameter:";

    private readonly Dictionary<string, string> _values;

    private TrainingFingerprint(Dictionary<string, string> values) => _values = values;

    /// <summary>Gets the fingerprint's entries, as stored in a checkpoint.</summary>
    internal IReadOnlyDictionary<string, string> Values => _values;

    /// <summary>Builds the fingerprint of a run.</summary>
    internal static TrainingFingerprint Create(TrainingJob job, TrainingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(settings);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [nameof(TrainingSettings.Epochs)] = Format(settings.Epochs),
            [nameof(TrainingSettings.BatchSize)] = Format(settings.BatchSize),
            [nameof(TrainingSettings.LearningRate)] = Format(settings.LearningRate),
            [nameof(TrainingSettings.WeightDecay)] = Format(settings.WeightDecay),
            [nameof(TrainingSettings.WarmupFraction)] = Format(settings.WarmupFraction),
            [nameof(TrainingSettings.MaxGradNorm)] = settings.ClipsGradients ? Format(settings.MaxGradNorm!.Value) : "off",
            [nameof(TrainingSettings.EarlyStoppingPatience)] = settings.EarlyStoppingPatience is int patience ? Format(patience) : "off",
            [nameof(TrainingSettings.EarlyStoppingMetric)] = settings.EarlyStoppingMetric.ToString(),
            [nameof(TrainingSettings.EarlyStoppingMinDelta)] = Format(settings.EarlyStoppingMinDelta),
            [nameof(TrainingSettings.EarlyStoppingMinEpochs)] = Format(settings.EarlyStoppingMinEpochs),
            [nameof(TrainingSettings.Seed)] = Format(settings.Seed),
            [nameof(TrainingSettings.PaddingMode)] = settings.PaddingMode.ToString(),
            [ValidationKey] = job.Validation is { } validation
                ? $"{validation.MetricName} ({(validation.HigherIsBetter ? "higher" : "lower")} is better)"
                : "none",
            [ExampleCountKey] = Format(job.ExampleLengths.Count),
            [ExampleLengthsKey] = HashLengths(job.ExampleLengths),
        };

        // Recorded only when it is not the default, so a checkpoint written before the option existed still matches.
        if (settings.Decay != LearningRateDecay.Linear)
        {
            values[nameof(TrainingSettings.Decay)] = settings.Decay.ToString();
        }
        foreach (var (name, parameter) in job.TrainableParameters)
        {
            values[ParameterPrefix + name] = $"{parameter.dtype}[{string.Join(", ", parameter.shape)}]";
        }

        return new TrainingFingerprint(values);
    }

    /// <summary>Rebuilds a fingerprint read from a checkpoint.</summary>
    internal static TrainingFingerprint FromValues(IReadOnlyDictionary<string, string> values) =>
        new(values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));

    /// <summary>Describes the first way a checkpoint's fingerprint differs from this run's; null when they are equal.</summary>
    /// <param name="saved">The fingerprint stored in the checkpoint.</param>
    internal string? FirstDifference(TrainingFingerprint saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        foreach (var (key, value) in _values.Where(p => !p.Key.StartsWith(ParameterPrefix, StringComparison.Ordinal)))
        {
            string? old = saved._values.GetValueOrDefault(key);
            if (old != value)
            {
                return key switch
                {
                    ExampleCountKey => $"it was written for {old ?? "an unknown number of"} training examples and this run has {value}",
                    ExampleLengthsKey => "the training examples differ (their lengths do not match), so the data changed",
                    _ => $"`{key}` is {old ?? "missing"} there and {value} in this run",
                };
            }
        }

        foreach (var (key, value) in _values.Where(p => p.Key.StartsWith(ParameterPrefix, StringComparison.Ordinal)))
        {
            string name = key[ParameterPrefix.Length..];
            if (!saved._values.TryGetValue(key, out string? old))
            {
                return $"this run trains '{name}', which the checkpoint does not hold";
            }

            if (old != value)
            {
                return $"trainable parameter '{name}' is {old} there and {value} in this run";
            }
        }

        string? extra = saved._values.Keys.FirstOrDefault(k => k.StartsWith(ParameterPrefix, StringComparison.Ordinal) && !_values.ContainsKey(k));
        return extra is null ? null : $"it holds trainable parameter '{extra[ParameterPrefix.Length..]}', which this run does not train";
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string HashLengths(IReadOnlyList<int> lengths)
    {
        var bytes = new byte[lengths.Count * sizeof(int)];
        for (int i = 0; i < lengths.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), lengths[i]);
        }

        return Convert.ToHexString(SHA256.HashData(bytes))[..16];
    }
}
