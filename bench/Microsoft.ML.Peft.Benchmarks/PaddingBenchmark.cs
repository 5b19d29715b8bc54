// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Peft.Training;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Dynamic padding versus pad-to-max for LoRA training steps on real message lengths (SMS Spam Collection, MiniLM tokenizer).
/// The measured batches are chosen at evenly spaced quantiles of the epoch's padded lengths, so a few steps stand for a
/// whole epoch; each is run twice, padded to the maximum length and padded to its longest row, alternately so that load
/// changes on a shared machine hit both modes alike. Throughput is rows / total time of the measured steps.
/// </summary>
internal static class PaddingBenchmark
{
    private const double LearningRate = 1e-3;

    internal static PaddingResult Run(BenchmarkOptions options, string backboneName)
    {
        var backbone = BenchmarkBackbone.Load(backboneName);
        var tokenizer = backbone.CreateTokenizer(options.SequenceLength);
        var data = SmsSpamData.Load(SmsSpamData.DefaultPath);
        var encoded = data.Select(row => tokenizer.Encode(row.Text)).ToArray();
        var lengths = encoded.Select(e => e.Length).ToArray();
        Log.Info($"{data.Count} messages tokenized: mean {lengths.Average():F1} tokens, {encoded.Count(e => e.Truncated)} truncated at {options.SequenceLength}");

        var batches = new LengthBucketBatcher(lengths, options.Batch).EpochBatches(new Random(options.Seed), PaddingMode.LengthBucketed)
            .Where(b => b.Length == options.Batch)
            .Select(b => (Rows: b, Padded: b.Max(i => lengths[i])))
            .ToList();
        var byLength = batches.OrderBy(b => b.Padded).ToList();
        int count = Math.Min(options.PaddingSteps, byLength.Count);
        var measured = Enumerable.Range(0, count).Select(i => byLength[(int)((i + 0.5) * byLength.Count / count)]).ToList();

        using var network = backbone.CreateClassifier(options.Seed);
        using var peft = LoraSetup.Create(network, backbone, options);
        using var step = new TrainingStep(network, peft.NamedTrainableParameters(), LearningRate);
        long padId = tokenizer.Layout.PadId;

        BatchTensors Collate(int[] rows, int time) =>
            BatchTensors.Collate(rows.Select(i => encoded[i]).ToList(), rows.Select(i => data[i].Label).ToList(), time, padId);

        var middle = measured[count / 2].Rows;
        for (int i = 0; i < options.Warmup; i++)
        {
            using var maxBatch = Collate(middle, options.SequenceLength);
            using var dynamicBatch = Collate(middle, 0);
            Log.Info($"warm-up: pad-to-max {step.Run(maxBatch):F3} s, dynamic ({dynamicBatch.Time}) {step.Run(dynamicBatch):F3} s");
        }

        var padToMax = new List<double>();
        var dynamic = new List<double>();
        foreach (var (rows, padded) in measured)
        {
            using var maxBatch = Collate(rows, options.SequenceLength);
            using var dynamicBatch = Collate(rows, 0);
            padToMax.Add(step.Run(maxBatch));
            dynamic.Add(step.Run(dynamicBatch));
            Log.Info($"padded length {padded,3}: pad-to-max {padToMax[^1]:F3} s, dynamic {dynamic[^1]:F3} s");
        }

        double measuredRows = (double)count * options.Batch;
        double maxRate = measuredRows / padToMax.Sum();
        double dynamicRate = measuredRows / dynamic.Sum();
        return new PaddingResult(
            backbone.Name, data.Count, encoded.Count(e => e.Truncated), lengths.Average(), options.SequenceLength,
            batches.Average(b => b.Padded), measured.Average(b => b.Padded), measured.Select(b => b.Padded).ToArray(),
            TimingSummary.From(padToMax), TimingSummary.From(dynamic), maxRate, dynamicRate, dynamicRate / maxRate);
    }
}
