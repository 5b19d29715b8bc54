// Licensed under the MIT license. See LICENSE in the repository root.

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Training;

/// <summary>The engine's checks of a job before anything trains.</summary>
internal static partial class PeftTrainingEngine
{
    private const int NamesShown = 5;

    private static void CheckJob(TrainingJob job, TrainingSettings settings, Device device)
    {
        ArgumentNullException.ThrowIfNull(job.Model, nameof(job.Model));
        ArgumentNullException.ThrowIfNull(job.TrainableParameters, nameof(job.TrainableParameters));
        ArgumentNullException.ThrowIfNull(job.ExampleLengths, nameof(job.ExampleLengths));
        ArgumentNullException.ThrowIfNull(job.ComputeLoss, nameof(job.ComputeLoss));
        if (job.ExampleLengths.Count == 0)
        {
            throw new ArgumentException("There are no training examples; the training data must have at least one row.", nameof(job));
        }

        if (job.TrainableParameters.Count == 0)
        {
            throw new ArgumentException(
                $"`{nameof(TrainingJob.TrainableParameters)}` is empty, so there is nothing to train; pass PeftModel.NamedTrainableParameters() of a model with an active, trainable adapter.",
                nameof(job));
        }

        if (settings.EarlyStoppingPatience is not null && job.Validation is null)
        {
            throw new ArgumentException(
                $"`{nameof(TrainingSettings.EarlyStoppingPatience)}` is {settings.EarlyStoppingPatience} but there is no validation set to measure improvement on; " +
                $"supply validation data or set `{nameof(TrainingSettings.EarlyStoppingPatience)}` to null.",
                nameof(job));
        }

        if (settings.EarlyStoppingMetric == EarlyStoppingMetric.ValidationLoss && job.Validation is { Loss: null } validation)
        {
            throw new ArgumentException(
                $"`{nameof(TrainingSettings.EarlyStoppingMetric)}` is {nameof(EarlyStoppingMetric.ValidationLoss)} but this job's validation measures only its {validation.MetricName}; " +
                $"set `{nameof(TrainingSettings.EarlyStoppingMetric)}` to {nameof(EarlyStoppingMetric.TaskMetric)}.",
                nameof(job));
        }

        var duplicate = job.TrainableParameters.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Trainable parameter name '{duplicate.Key}' appears twice; names identify parameters in checkpoints and must be unique.", nameof(job));
        }

        if (job.TrainableParameters.Select(p => p.Parameter).Distinct(ReferenceEqualityComparer.Instance).Count() != job.TrainableParameters.Count)
        {
            throw new ArgumentException("The same parameter is listed under two names; AdamW would update it twice per step. List each parameter once.", nameof(job));
        }

        CheckTrainable(job, device);
        CheckNothingElseTrains(job);
    }

    private static void CheckTrainable(TrainingJob job, Device device)
    {
        var frozen = job.TrainableParameters.Where(p => !p.Parameter.requires_grad).Select(p => p.Name).ToList();
        if (frozen.Count > 0)
        {
            throw new ArgumentException(
                $"Parameters passed as trainable do not require gradients: {Names(frozen)}. Pass only parameters with requires_grad = true.", nameof(job));
        }

        var elsewhere = job.TrainableParameters.Where(p => !IsOn(p.Parameter, device)).Select(p => $"{p.Name} ({p.Parameter.device})").ToList();
        if (elsewhere.Count > 0)
        {
            throw new ArgumentException(
                $"Trainable parameters are not on the training device {device}: {Names(elsewhere)}. Move the model first, for a PEFT model with PeftModel.To(device).",
                nameof(job));
        }
    }

    // AdamW only updates what it is given; a parameter that still requires gradients outside that list would waste
    // memory on gradients and silently stay untrained, so it is an error.
    private static void CheckNothingElseTrains(TrainingJob job)
    {
        var given = new HashSet<Parameter>(job.TrainableParameters.Select(p => p.Parameter), ReferenceEqualityComparer.Instance);
        var handles = new HashSet<IntPtr>(job.TrainableParameters.Select(p => p.Parameter.Handle));
        var stray = job.Model.named_parameters()
            .Where(p => p.parameter.requires_grad && !given.Contains(p.parameter) && !handles.Contains(p.parameter.Handle))
            .Select(p => p.name)
            .ToList();
        if (stray.Count > 0)
        {
            throw new ArgumentException(
                $"Model parameters require gradients but are not in `{nameof(TrainingJob.TrainableParameters)}`: {Names(stray)}. " +
                "Freeze them (requires_grad = false) or include them in the trainable list.",
                nameof(job));
        }
    }

    // An index of -1 (plain "cuda") means the current device, so only the type is compared then.
    private static bool IsOn(Tensor tensor, Device device) =>
        tensor.device_type == device.type && (device.type == DeviceType.CPU || device.index < 0 || tensor.device_index == device.index);

    private static string Names(IReadOnlyCollection<string> names) =>
        string.Join(", ", names.Take(NamesShown)) + (names.Count > NamesShown ? $" and {names.Count - NamesShown} more" : string.Empty);
}
