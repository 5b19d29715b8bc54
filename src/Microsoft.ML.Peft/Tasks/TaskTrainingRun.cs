// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Tasks;

/// <summary>
/// The steps every task estimator's <c>Fit</c> takes around its own data and network: open the log, choose the device, draw
/// the seed, inject the method and report what trains, and run the engine with the shared options. The task reads its data,
/// builds its network and job, and wraps the result in its transformer.
/// </summary>
internal sealed class TaskTrainingRun : IDisposable
{
    private readonly MLContext _context;
    private readonly string _componentName;
    private int? _seed;

    private TaskTrainingRun(MLContext context, string componentName)
    {
        _context = context;
        _componentName = componentName;
        Log = ChannelLog.Start(context, componentName);
        Device = DeviceSelector.Select(context, Log.Warning);
    }

    internal ChannelLog Log { get; }

    internal Device Device { get; }

    /// <summary>The run's seed; <see cref="DrawSeed"/> must have been called.</summary>
    internal int Seed => _seed ?? throw new InvalidOperationException("The seed is drawn after the data is read and before the network is built.");

    /// <summary>Opens the log under <paramref name="componentName"/> and chooses the device (warning in the log when it falls back to the CPU).</summary>
    internal static TaskTrainingRun Start(MLContext context, string componentName) => new(context, componentName);

    /// <summary>
    /// Draws the seed from the MLContext and seeds TorchSharp with it; call it before building the network, whose new head
    /// draws its initial weights from TorchSharp's generator.
    /// </summary>
    internal int DrawSeed()
    {
        _seed = TaskTraining.Seed(_context, _componentName);
        return _seed.Value;
    }

    /// <summary>
    /// Injects <paramref name="method"/> into <paramref name="network"/>, or loads <paramref name="initial"/> onto it trainable to
    /// continue training it, moves it to the device and logs the trainable parameters.
    /// </summary>
    /// <returns>The adapted model and its parameter counts; the caller disposes it.</returns>
    internal (PeftModel Peft, TrainableParameterReport Report) Adapt(nn.Module network, PeftConfig method, PretrainedModel backbone, PretrainedAdapter? initial = null)
    {
        var peft = initial is null ? PeftModel.Create(network, method) : initial.LoadOnto(network, trainable: true);
        try
        {
            if (initial is not null)
            {
                Log.Info($"Continuing to train the {initial.Config.PeftType} adapter in '{initial.Directory}'.");
            }

            peft.To(Device);
            var report = peft.GetTrainableParameterReport();
            Log.Info($"{backbone}: {report}");
            return (peft, report);
        }
        catch
        {
            peft.Dispose();
            throw;
        }
    }

    /// <summary>The peak learning rate of a run: the user's, else the default of the method being trained.</summary>
    internal static double LearningRate(PeftTrainerOptions options, PeftConfig method) => options.LearningRate ?? method.DefaultLearningRate;

    /// <summary>
    /// Trains <paramref name="job"/> at <see cref="LearningRate"/> for the PEFT model's active adapter (logging the rate when it is
    /// the method's default) with the shared options, then merges for prediction when asked; the model is left in eval mode.
    /// </summary>
    internal TrainingResult Train(PeftTrainerOptions options, TrainingJob job, PeftModel peft)
    {
        if (options.Epochs == 0)
        {
            // Only a task whose model predicts before training allows it (PeftTrainerOptions.MinimumEpochs).
            Log.Info("Epochs = 0: nothing is trained; the model predicts as it starts.");
            job.Model.eval();
            return new TrainingResult(0, 0, 0, 0, Array.Empty<double>(), null, false, false, double.NaN, TimeSpan.Zero);
        }

        var method = peft.GetConfig(peft.ActiveAdapter);
        double rate = LearningRate(options, method);
        if (options.LearningRate is null)
        {
            Log.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Learning rate {rate:G3}, the default of {method.PeftType}; set `{nameof(PeftTrainerOptions.LearningRate)}` to change it."));
        }

        return TaskTraining.Run(options, rate, job, Seed, Device, Log, peft);
    }

    /// <summary>
    /// Runs <see cref="PredictionCollapse.Check"/> on the trained model's predictions and writes its warning to the log.
    /// </summary>
    /// <returns>The warnings for the task's training report: the collapse warning, or none.</returns>
    internal IReadOnlyList<string> WarnIfCollapsed(IReadOnlyList<int> predicted, IReadOnlyList<int> labels, string setName, Func<int, string> className, PeftTrainerOptions options, double learningRate)
    {
        if (PredictionCollapse.Check(predicted, labels, setName, className, options, learningRate) is not string warning)
        {
            return Array.Empty<string>();
        }

        Log.Warning(warning);
        return new[] { warning };
    }

    public void Dispose() => Log.Dispose();
}
