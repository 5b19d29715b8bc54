// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Backbones;
using Microsoft.ML.Peft.Backbones.Bert;
using Microsoft.ML.Peft.Backbones.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Inference latency of one batch (eval mode, no_grad): the base model; the same weights with the LoRA adapter attached
/// (forward hooks add s·B·A·x to query and value); and after <see cref="PeftModel.MergeAdapter"/>, where the hooks stay but
/// skip the merged adapter. Three networks with the same weights are timed round-robin, one pass each per round with the
/// starting one rotating, so load changes on a shared machine hit all three alike instead of biasing whichever ran last.
/// </summary>
internal static class InferenceBenchmark
{
    internal static InferenceResult Run(BenchmarkOptions options, string backboneName)
    {
        var backbone = BenchmarkBackbone.Load(backboneName);
        using var baseNetwork = backbone.CreateClassifier(options.Seed);
        using var unmergedNetwork = backbone.CreateClassifier(options.Seed);
        using var mergedNetwork = backbone.CreateClassifier(options.Seed);
        var config = ((BertModel)baseNetwork.Encoder).Config;
        using var batch = options.Shared is { } folder
            ? BatchTensors.Load(Path.Combine(folder, SharedWeights.BatchFile))
            : BatchTensors.Random(options.Batch, options.SequenceLength, config.VocabSize, BenchmarkBackbone.LabelCount, options.Seed);

        // LoRA's A matrices are drawn from TorchSharp's global generator, which building the networks has moved on; it is
        // seeded again before each injection, so the merged and unmerged networks carry the same adapter and the check
        // below compares merging with not merging, not two different adapters.
        manual_seed(options.Seed);
        using var unmergedPeft = LoraSetup.Create(unmergedNetwork, backbone, options);
        manual_seed(options.Seed);
        using var mergedPeft = LoraSetup.Create(mergedNetwork, backbone, options);
        RandomizeLoraB(unmergedPeft, options.Seed);
        RandomizeLoraB(mergedPeft, options.Seed);
        mergedPeft.MergeAdapter();
        var networks = new[] { baseNetwork, unmergedNetwork, mergedNetwork };
        foreach (var network in networks)
        {
            network.eval();
        }

        using var unmergedLogits = Logits(unmergedNetwork, batch);
        using var mergedLogits = Logits(mergedNetwork, batch);
        var samples = Measure(networks, batch, options);
        var baseTime = TimingSummary.From(samples[0]);
        var unmerged = TimingSummary.From(samples[1]);
        var merged = TimingSummary.From(samples[2]);
        Log.Info($"base {baseTime.Median * 1000:F1} ms, LoRA unmerged {unmerged.Median * 1000:F1} ms, LoRA merged {merged.Median * 1000:F1} ms (medians of {samples[0].Count} rounds)");
        double difference;
        using (var scope = NewDisposeScope())
        {
            difference = (mergedLogits - unmergedLogits).abs().max().item<float>();
        }

        return new InferenceResult(backbone.Name, baseTime, unmerged, merged, unmerged.Median / baseTime.Median, merged.Median / baseTime.Median, difference);
    }

    private static List<double>[] Measure(SequenceClassifierModel[] networks, BatchTensors batch, BenchmarkOptions options)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < options.Warmup; i++)
        {
            foreach (var network in networks)
            {
                Forward(network, batch);
            }
        }

        var samples = networks.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < options.InferenceSteps; round++)
        {
            for (int k = 0; k < networks.Length; k++)
            {
                int which = (round + k) % networks.Length;
                samples[which].Add(Forward(networks[which], batch));
            }
        }

        return samples;
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
