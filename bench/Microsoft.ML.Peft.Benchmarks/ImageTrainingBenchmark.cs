// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Vision.Backbones.Image;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Training step time, peak memory and FLOP rate of an image classifier: <c>full</c> (every parameter trains, AdamW over all)
/// or <c>lora</c> (LoRA on the architecture's default targets, the head in modules_to_save), on a batch of random
/// 224 × 224 images. BatchNorm runs in evaluation mode in both, as the image classifier trains. Runs in a child process so
/// that the peak RSS belongs to this configuration alone.
/// </summary>
internal static class ImageTrainingBenchmark
{
    private const int ImageSize = 224;
    private const double FullLearningRate = 1e-4;
    private const double LoraLearningRate = 1e-3;

    internal static TrainingResult Run(BenchmarkOptions options, string backboneName, string mode)
    {
        bool full = mode == TrainingBenchmark.Full;
        var backbone = ImageBenchmarkBackbone.Load(backboneName);
        using var network = backbone.CreateClassifier(options.Seed);
        using var peft = full ? null : PeftModel.Create(network, new LoraConfig
        {
            Rank = options.Rank,
            Alpha = options.Alpha,
            Dropout = options.LoraDropout,
            TargetModules = ModuleSelector.FromNames(backbone.DefaultTargets.ToArray()),
            ModulesToSave = backbone.HeadModules.ToArray(),
        });
        network.FreezeBatchNorms();

        var trainable = peft?.GetTrainableParameters() ?? network.parameters().ToList();
        long trainableCount = trainable.Sum(p => p.numel());
        long totalCount = peft?.GetTrainableParameterReport().AllParameters ?? network.parameters().Sum(p => p.numel());
        Log.Info($"{backbone.Name} {mode}: {trainableCount:N0} of {totalCount:N0} parameters train");

        manual_seed(options.Seed);
        using var pixels = randn(options.Batch, 3, ImageSize, ImageSize);
        using var labels = randint(ImageBenchmarkBackbone.LabelCount, options.Batch, dtype: ScalarType.Int64);
        using var optimizer = optim.AdamW(trainable, lr: full ? FullLearningRate : LoraLearningRate, weight_decay: 0.01);
        // PeftModel injects its layers into the network in place, so the network is what runs.
        var trainableNames = new HashSet<string>(network.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name));
        var (forward, stepFlops) = ImageStepFlops.Training(network, pixels, AttentionFlops(backbone, options.Batch), name => trainableNames.Contains(name + ".weight"));
        long residentBefore = ProcessMemory.ResidentBytes();

        double lastLoss = 0;
        double Step()
        {
            var stopwatch = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(network.call(pixels), labels);
                loss.backward();
                optimizer.step();
                lastLoss = loss.item<float>();
            }

            return stopwatch.Elapsed.TotalSeconds;
        }

        for (int i = 0; i < options.Warmup; i++)
        {
            Log.Info($"warm-up step {i + 1}/{options.Warmup}: {Step():F3} s");
        }

        var samples = new List<double>();
        for (int i = 0; i < options.Steps; i++)
        {
            samples.Add(Step());
            Log.Info($"step {i + 1}/{options.Steps}: {samples[^1]:F3} s (loss {lastLoss:F4})");
        }

        long peak = ProcessMemory.PeakResidentBytes();
        var time = TimingSummary.From(samples);

        // Persistent fp32 tensors: every parameter, plus a gradient and AdamW's exp_avg and exp_avg_sq per trainable parameter.
        long stateBytes = sizeof(float) * (totalCount + 3 * trainableCount);
        return new TrainingResult(
            backbone.Name, mode, time, lastLoss, peak, residentBefore, ProcessMemory.Source,
            totalCount, trainableCount, stateBytes, forward, stepFlops, stepFlops / time.Median / 1e9);
    }

    // ViT-B/16: 197 tokens (196 patches and [CLS]), 12 layers, hidden 768; Q·Kᵀ and P·V each 2·S²·H per layer.
    private static double AttentionFlops(ImageBenchmarkBackbone backbone, int batch)
    {
        if (backbone.Name != ImageBenchmarkBackbone.VitB16)
        {
            return 0;
        }

        const double tokens = 197, hidden = 768, layers = 12;
        return batch * layers * 2 * (2 * tokens * tokens * hidden);
    }
}
