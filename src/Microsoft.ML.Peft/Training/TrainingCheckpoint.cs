// Licensed under the MIT license. See LICENSE in the repository root.

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Peft.Formats;
using Microsoft.ML.Peft.Formats.SafeTensors;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>
/// Writes and resumes training checkpoints: one folder per checkpoint, written whole or not at all.
/// </summary>
/// <remarks>
/// <para>Layout of <c>CheckpointDirectory/checkpoint-{step}/</c>:</para>
/// <list type="bullet">
/// <item><c>trainer_state.json</c>: format version, completed steps and epochs (for people; resuming uses the steps),
/// per-epoch validation history and the run's <see cref="TrainingFingerprint"/>.</item>
/// <item><c>parameters.safetensors</c>: the trainable parameters, keyed by their names.</item>
/// <item><c>optimizer.safetensors</c>: AdamW's moments and step counters (<c>name.exp_avg</c>, <c>name.exp_avg_sq</c>, <c>name.step</c>).</item>
/// <item><c>best_parameters.safetensors</c>: with early stopping, the best epoch's trainable values.</item>
/// </list>
/// <para>
/// No generator state is stored: batch order and TorchSharp's generator are reseeded from the seed and the position
/// (<see cref="TrainingSeeds"/>), and the learning rate is a function of the step.
/// A checkpoint is written into a hidden temporary folder and renamed into place, so a crash leaves either the
/// previous checkpoint or the new one. Only the newest checkpoint is kept: older ones (and temporary folders left by
/// a crash) are deleted once a new one is in place, since resuming needs no other and adapter checkpoints of a long
/// run would otherwise pile up. A finished run leaves its last checkpoint; resuming from it repeats only the
/// remaining steps. One folder serves one run at a time.
/// </para>
/// </remarks>
internal static class TrainingCheckpoint
{
    internal const string FolderPrefix = "checkpoint-";
    internal const string StateFileName = "trainer_state.json";
    internal const string ParametersFileName = "parameters.safetensors";
    internal const string OptimizerFileName = "optimizer.safetensors";
    internal const string BestParametersFileName = "best_parameters.safetensors";
    internal const int FormatVersion = 1;

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes a checkpoint after <paramref name="step"/> completed steps and deletes older ones.</summary>
    /// <returns>The checkpoint's folder.</returns>
    internal static string Write(string directory, int step, int epochsCompleted, TrainingFingerprint fingerprint, TrainingOptimizer optimizer, EarlyStopping stopping)
    {
        Directory.CreateDirectory(directory);
        string final = Path.Combine(directory, FolderPrefix + step.ToString(CultureInfo.InvariantCulture));
        string temporary = Path.Combine(directory, $".{FolderPrefix}{step}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            using (var scope = NewDisposeScope())
            {
                SafeTensorsFile.Write(
                    Path.Combine(temporary, ParametersFileName),
                    optimizer.Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)),
                    metadata: null);
                SafeTensorsFile.Write(Path.Combine(temporary, OptimizerFileName), optimizer.StateTensors(), metadata: null);
                if (stopping.BestValues is { } best)
                {
                    SafeTensorsFile.Write(Path.Combine(temporary, BestParametersFileName), best, metadata: null);
                }
            }

            var state = new StateFile(FormatVersion, step, epochsCompleted, stopping.History.ToList(), new(fingerprint.Values)) { LossHistory = stopping.LossHistory.ToList() };
            AtomicFile.Write(Path.Combine(temporary, StateFileName), stream => JsonSerializer.Serialize(stream, state, s_json));
            if (Directory.Exists(final))
            {
                Directory.Delete(final, recursive: true);
            }

            Directory.Move(temporary, final);
        }
        catch
        {
            TryDeleteDirectory(temporary);
            throw;
        }

        foreach (string stale in Directory.EnumerateDirectories(directory).Where(d => d != final && IsOurs(Path.GetFileName(d))))
        {
            TryDeleteDirectory(stale);
        }

        return final;
    }

    /// <summary>Finds the newest complete checkpoint folder; null when there is none.</summary>
    internal static string? FindLatest(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }

        return Directory.EnumerateDirectories(directory, FolderPrefix + "*")
            .Select(path => (Path: path, Step: ParseStep(Path.GetFileName(path))))
            .Where(c => c.Step is not null && File.Exists(Path.Combine(c.Path, StateFileName)))
            .OrderByDescending(c => c.Step)
            .Select(c => c.Path)
            .FirstOrDefault();
    }

    /// <summary>Loads the newest checkpoint into the parameters, the optimizer and the early-stopping history.</summary>
    /// <returns>The completed steps of the checkpoint, or null when there is none to resume.</returns>
    /// <exception cref="InvalidOperationException">The checkpoint was written by a run with another fingerprint; the message says what differs.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is unreadable or inconsistent.</exception>
    internal static int? Resume(string directory, int totalSteps, TrainingFingerprint fingerprint, TrainingOptimizer optimizer, EarlyStopping stopping)
    {
        string? folder = FindLatest(directory);
        if (folder is null)
        {
            return null;
        }

        var state = ReadState(folder);
        string? difference = fingerprint.FirstDifference(TrainingFingerprint.FromValues(state.Fingerprint));
        if (difference is not null)
        {
            throw new InvalidOperationException(
                $"The checkpoint '{folder}' was written by a different training run: {difference}. It is not used, so that training does not " +
                $"continue from another run's state. Restore that run's settings and data, set `{nameof(TrainingSettings.CheckpointDirectory)}` " +
                "to another folder, or delete the checkpoint folder to start over.");
        }

        if (state.Step < 0 || state.Step > totalSteps)
        {
            throw new InvalidDataException($"'{Path.Combine(folder, StateFileName)}' records step {state.Step}, outside this run's 0 to {totalSteps} steps.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = ReadTensors(folder, ParametersFileName);
        foreach (var (name, parameter) in optimizer.Parameters)
        {
            if (!parameters.TryGetValue(name, out var value) || !value.shape.SequenceEqual(parameter.shape))
            {
                throw new InvalidDataException($"'{Path.Combine(folder, ParametersFileName)}' lacks '{name}' or holds it with another shape.");
            }

            parameter.copy_(value);
        }

        optimizer.LoadStateTensors(ReadTensors(folder, OptimizerFileName), Path.Combine(folder, OptimizerFileName));
        Dictionary<string, Tensor>? best = null;
        if (stopping.Patience is not null && File.Exists(Path.Combine(folder, BestParametersFileName)))
        {
            best = ReadTensors(folder, BestParametersFileName)
                .ToDictionary(p => p.Key, p => p.Value.to(optimizer.Parameters[0].Parameter.device).DetachFromDisposeScope());
        }

        stopping.Restore(state.MetricHistory, state.LossHistory, best);
        return state.Step;
    }

    private static StateFile ReadState(string folder)
    {
        string path = Path.Combine(folder, StateFileName);
        StateFile? state;
        try
        {
            using var stream = File.OpenRead(path);
            state = JsonSerializer.Deserialize<StateFile>(stream, s_json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a valid training state file: {ex.Message}", ex);
        }

        if (state is null || state.Fingerprint is null || state.MetricHistory is null)
        {
            throw new InvalidDataException($"'{path}' is not a valid training state file: it lacks the step, history or fingerprint.");
        }

        if (state.FormatVersion != FormatVersion)
        {
            throw new InvalidDataException(
                $"'{path}' has checkpoint format version {state.FormatVersion}; this library reads version {FormatVersion}. Delete the checkpoint folder to start over.");
        }

        return state;
    }

    private static Dictionary<string, Tensor> ReadTensors(string folder, string fileName) =>
        SafeTensorsFile.Read(Path.Combine(folder, fileName));

    private static int? ParseStep(string name) =>
        name.StartsWith(FolderPrefix, StringComparison.Ordinal)
        && int.TryParse(name.AsSpan(FolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int step)
            ? step
            : null;

    private static bool IsOurs(string name) =>
        ParseStep(name) is not null
        || (name.StartsWith("." + FolderPrefix, StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal));

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A stale folder that cannot be deleted now is retried after the next checkpoint.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record StateFile(
        [property: JsonPropertyName("format_version")] int FormatVersion,
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("epochs_completed")] int EpochsCompleted,
        [property: JsonPropertyName("metric_history")] List<double> MetricHistory,
        [property: JsonPropertyName("fingerprint")] Dictionary<string, string> Fingerprint)
    {
        // Absent from checkpoints of runs whose validation measured no loss.
        [JsonPropertyName("loss_history")]
        public List<double?>? LossHistory { get; init; }
    }
}
