// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Runtime;
using TorchSharp;

namespace Microsoft.ML.Peft.Training;

/// <summary>The steps every task estimator takes around the engine: seeding from the MLContext, the run itself, and the merge for prediction.</summary>
internal static class TaskTraining
{
    /// <summary>
    /// Draws the run's seed from the MLContext (ML.NET's own mechanism, so the same pipeline and seed give the same model) and
    /// seeds TorchSharp's global generator with it, because new heads and adapters draw their initial weights from it.
    /// </summary>
    internal static int Seed(MLContext context, string componentName)
    {
        int seed = ((IHostEnvironment)context).Register(componentName).Rand.Next();
        using (torch.manual_seed(seed))
        {
        }

        return seed;
    }

    /// <summary>Trains <paramref name="job"/> at <paramref name="learningRate"/> with the task's other options, then merges the adapter for prediction when asked and leaves the model in eval mode.</summary>
    internal static TrainingResult Run(ITaskTrainingOptions options, double learningRate, TrainingJob job, int seed, torch.Device device, ChannelLog log, PeftModel peft)
    {
        var settings = new TrainingSettings
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            LearningRate = learningRate,
            WeightDecay = options.WeightDecay,
            WarmupFraction = options.WarmupFraction,
            Decay = options.LearningRateDecay,
            MaxGradNorm = options.MaxGradientNorm,
            EarlyStoppingPatience = options.EarlyStoppingPatience,
            EarlyStoppingMetric = options.EarlyStoppingMetric,
            EarlyStoppingMinDelta = options.EarlyStoppingMinDelta,
            EarlyStoppingMinEpochs = options.EarlyStoppingMinEpochs,
            CheckpointDirectory = options.CheckpointDirectory,
            CheckpointEverySteps = options.CheckpointEverySteps,
            StopAtScheduleFraction = options.StopAtScheduleFraction,
            Seed = seed,
        };
        var result = PeftTrainingEngine.Train(job, settings, device, options.Progress, log.Info, options.CancellationToken);
        // Methods with a non-linearity (bottleneck adapters) cannot merge; they predict unmerged.
        if (options.MergeAdapterForPrediction && !peft.IsMerged && peft.CanMerge)
        {
            peft.MergeAdapter();
        }

        job.Model.eval();
        return result;
    }
}
