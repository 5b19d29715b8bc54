// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Backbones.Bert;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Training step time, peak memory and FLOP rate of one configuration: <c>full</c> (every parameter trains, AdamW over all)
/// or <c>lora</c> (PeftModel with LoRA on query/value, classifier in modules_to_save, AdamW over the trainable parameters),
/// or one of the PaCA-vs-LoRA comparison modes of <see cref="PacaSetup"/>.
/// Runs in a child process so that the peak RSS belongs to this configuration alone.
/// </summary>
internal static class TrainingBenchmark
{
    internal const string Full = "full";
    internal const string Lora = "lora";

    // Internal so that the PyTorch comparison hands its script the same rates.
    internal const double FullLearningRate = 2e-5;
    internal const double LoraLearningRate = 1e-3;

    internal static TrainingResult Run(BenchmarkOptions options, string backboneName, string mode)
    {
        bool full = mode == Full;
        var backbone = BenchmarkBackbone.Load(backboneName);
        using var network = backbone.CreateClassifier(options.Seed, options.HiddenDropout);
        if (options.Shared is { } shared)
        {
            // Before LoRA is attached, so the classifier's modules_to_save copy is taken from the shared weights.
            SharedWeights.LoadModel(network, shared);
        }

        using var peft = full ? null
            : PacaSetup.IsComparisonMode(mode) ? PacaSetup.Create(network, backbone, options, mode)
            : LoraSetup.Create(network, backbone, options);
        if (peft is not null && options.Shared is not null)
        {
            SharedWeights.LoadLoraA(peft, options.Shared);
        }

        var config = ((BertModel)network.Encoder).Config;

        var trainable = peft?.GetTrainableParameters() ?? network.parameters().ToList();
        long trainableCount = trainable.Sum(p => p.numel());
        long totalCount = peft?.GetTrainableParameterReport().AllParameters ?? network.parameters().Sum(p => p.numel());
        Log.Info($"{backbone.Name} {mode}: {trainableCount:N0} of {totalCount:N0} parameters train");

        using var batch = options.Shared is { } folder
            ? BatchTensors.Load(Path.Combine(folder, SharedWeights.BatchFile))
            : BatchTensors.Random(options.Batch, options.SequenceLength, config.VocabSize, BenchmarkBackbone.LabelCount, options.Seed);
        var named = peft?.NamedTrainableParameters() ?? network.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var step = new TrainingStep(network, named, full ? FullLearningRate : LoraLearningRate);
        long residentBefore = ProcessMemory.ResidentBytes();

        var losses = new List<double>();
        for (int i = 0; i < options.Warmup; i++)
        {
            Log.Info($"warm-up step {i + 1}/{options.Warmup}: {step.Run(batch):F3} s");
            losses.Add(step.LastLoss);
        }

        var samples = new List<double>();
        for (int i = 0; i < options.Steps; i++)
        {
            samples.Add(step.Run(batch));
            losses.Add(step.LastLoss);
            Log.Info($"step {i + 1}/{options.Steps}: {samples[^1]:F3} s (loss {step.LastLoss:F6})");
        }

        long peak = ProcessMemory.PeakResidentBytes();
        var time = TimingSummary.From(samples);
        int targets = peft?.GetTargetModules(peft.ActiveAdapter).Count ?? 0;
        bool poolerTrains = full || backbone.UntrainedModules.Contains("pooler");
        var (forward, stepFlops) = StepFlops.Training(config, options.Batch, options.SequenceLength, targets, options.Rank, poolerTrains);

        // Persistent fp32 tensors: every parameter, plus a gradient and AdamW's exp_avg and exp_avg_sq per trainable parameter.
        long stateBytes = sizeof(float) * (totalCount + 3 * trainableCount);
        return new TrainingResult(
            backbone.Name, mode, time, step.LastLoss, peak, residentBefore, ProcessMemory.Source,
            totalCount, trainableCount, stateBytes, forward, stepFlops, stepFlops / time.Median / 1e9, losses.ToArray());
    }
}
