// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Inference latency of one batch (eval mode, no_grad): the base model; the same model with the LoRA adapter attached
/// (forward hooks add s·B·A·x to query and value); and after <see cref="PeftModel.MergeAdapter"/>, where the hooks stay but
/// skip the merged adapter. The three run one after the other in one process, each after its own warm-up.
/// </summary>
internal static class InferenceBenchmark
{
    internal static InferenceResult Run(BenchmarkOptions options, string backboneName)
    {
        var backbone = BenchmarkBackbone.Load(backboneName);
        using var network = backbone.CreateClassifier(options.Seed);
        var config = ((BertModel)network.Encoder).Config;
        using var batch = BatchTensors.Random(options.Batch, options.SequenceLength, config.VocabSize, BenchmarkBackbone.LabelCount, options.Seed);
        network.eval();

        var baseTime = Measure("base", network, batch, options);
        using var peft = LoraSetup.Create(network, backbone, options);
        network.eval();
        RandomizeLoraB(peft, options.Seed);
        using var unmergedLogits = Logits(network, batch);
        var unmerged = Measure("LoRA unmerged", network, batch, options);

        peft.MergeAdapter();
        using var mergedLogits = Logits(network, batch);
        var merged = Measure("LoRA merged", network, batch, options);
        double difference;
        using (var scope = NewDisposeScope())
        {
            difference = (mergedLogits - unmergedLogits).abs().max().item<float>();
        }

        return new InferenceResult(backbone.Name, baseTime, unmerged, merged, unmerged.Median / baseTime.Median, merged.Median / baseTime.Median, difference);
    }

    private static TimingSummary Measure(string label, SequenceClassifierModel network, BatchTensors batch, BenchmarkOptions options)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < options.Warmup; i++)
        {
            Forward(network, batch);
        }

        var samples = new List<double>();
        for (int i = 0; i < options.InferenceSteps; i++)
        {
            samples.Add(Forward(network, batch));
        }

        var time = TimingSummary.From(samples);
        Log.Info($"{label}: median {time.Median * 1000:F1} ms over {samples.Count} forward passes");
        return time;
    }

    private static double Forward(SequenceClassifierModel network, BatchTensors batch)
    {
        var stopwatch = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            _ = network.call(batch.Ids, batch.Types, batch.Mask);
        }

        return stopwatch.Elapsed.TotalSeconds;
    }

    private static Tensor Logits(SequenceClassifierModel network, BatchTensors batch)
    {
        using var noGrad = no_grad();
        return network.call(batch.Ids, batch.Types, batch.Mask).DetachFromDisposeScope();
    }

    /// <summary>B starts at zero, which would make merging a no-op; a small random B makes the merge check meaningful.</summary>
    private static void RandomizeLoraB(PeftModel peft, int seed)
    {
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var (name, parameter) in peft.NamedTrainableParameters().Where(p => p.Name.Contains(".lora_B.", StringComparison.Ordinal)))
        {
            parameter.normal_(0, 0.02, generator);
        }
    }
}
