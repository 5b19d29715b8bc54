// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Peft.Backbones.Bert;
using static TorchSharp.torch;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// Throughput of serving <c>--adapters</c> LoRA adapters (query/value, random B) on one backbone: row i uses adapter
/// i mod (n + 1), the value n meaning the base model. The three ways to serve the batch are timed round-robin, as the
/// inference benchmark does, so load changes on a shared machine hit all of them alike.
/// </summary>
internal static class MixedAdapterBenchmark
{
    internal static MixedAdapterResult Run(BenchmarkOptions options, string backboneName)
    {
        var backbone = BenchmarkBackbone.Load(backboneName);
        using var network = backbone.CreateClassifier(options.Seed);
        var config = ((BertModel)network.Encoder).Config;
        using var batch = BatchTensors.Random(options.Batch, options.SequenceLength, config.VocabSize, BenchmarkBackbone.LabelCount, options.Seed);
        var names = Enumerable.Range(0, options.Adapters).Select(i => $"task{i}").ToArray();
        using var peft = CreateAdapters(network, names, options);
        network.eval();

        var rowAdapters = Enumerable.Range(0, options.Batch)
            .Select(i => i % (names.Length + 1) is var k && k < names.Length ? names[k] : PeftModel.BaseModelRowName)
            .ToArray();
        var groups = rowAdapters.Select((name, row) => (name, row)).GroupBy(r => r.name)
            .Select(g => (Adapter: g.Key, Rows: g.Select(r => (long)r.row).ToArray()))
            .ToList();
        var parts = groups.Select(g => Rows(batch, g.Rows)).ToList();

        double Single() => Time(() => network.call(batch.Ids, batch.Types, batch.Mask));
        double Mixed() => Time(() =>
        {
            using var perRow = peft.UseAdapterPerRow(rowAdapters);
            return network.call(batch.Ids, batch.Types, batch.Mask);
        });
        double Sequential() => Time(() => RunGroups(peft, network, groups, parts).Last());

        using var noGrad = no_grad();
        var (difference, versusSingle) = MaxDifferences(peft, network, batch, rowAdapters, groups, parts, names[0]);
        var runs = new Func<double>[] { Single, Mixed, Sequential };
        for (int i = 0; i < options.Warmup; i++)
        {
            foreach (var run in runs)
            {
                run();
            }
        }

        var samples = runs.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < options.InferenceSteps; round++)
        {
            for (int k = 0; k < runs.Length; k++)
            {
                int which = (round + k) % runs.Length;
                samples[which].Add(runs[which]());
            }
        }

        var result = new MixedAdapterResult(
            backbone.Name, options.Batch, names.Length, rowAdapters,
            TimingSummary.From(samples[0]), TimingSummary.From(samples[1]), TimingSummary.From(samples[2]), difference, versusSingle);
        Log.Info($"rows/s: one adapter {result.SingleRowsPerSecond:F1}, mixed {result.MixedRowsPerSecond:F1}, one batch per adapter {result.SequentialRowsPerSecond:F1}; max |mixed − per-adapter| {difference:G3}, max |mixed − one adapter| {versusSingle:G3}");
        foreach (var part in parts)
        {
            part.Dispose();
        }

        return result;
    }

    private static PeftModel CreateAdapters(BertForSequenceClassification network, string[] names, BenchmarkOptions options)
    {
        LoraConfig Config() => new()
        {
            Rank = options.Rank,
            Alpha = options.Alpha,
            TargetModules = ModuleSelector.FromNames("query", "value"),
        };

        var peft = PeftModel.Create(network, Config(), names[0]);
        foreach (string name in names.Skip(1))
        {
            peft.AddAdapter(name, Config());
        }

        // B starts at zero, which would make every adapter the base model; small random values make them differ.
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)options.Seed);
        foreach (string name in names)
        {
            foreach (var (key, tensor) in peft.GetAdapterStateDict(name).Where(p => p.Key.Contains(".lora_B.", StringComparison.Ordinal)))
            {
                tensor.normal_(0, 0.02, generator);
            }
        }

        return peft;
    }

    private static IEnumerable<Tensor> RunGroups(PeftModel peft, BertForSequenceClassification network, List<(string Adapter, long[] Rows)> groups, List<BatchTensors> parts)
    {
        for (int i = 0; i < groups.Count; i++)
        {
            var part = parts[i];
            if (groups[i].Adapter == PeftModel.BaseModelRowName)
            {
                using var disabled = peft.DisableAdapter();
                yield return network.call(part.Ids, part.Types, part.Mask);
            }
            else
            {
                peft.SetActiveAdapter(groups[i].Adapter);
                yield return network.call(part.Ids, part.Types, part.Mask);
            }
        }
    }

    private static (double MixedVersusSequential, double MixedVersusSingle) MaxDifferences(
        PeftModel peft, BertForSequenceClassification network, BatchTensors batch, string[] rowAdapters, List<(string Adapter, long[] Rows)> groups, List<BatchTensors> parts, string first)
    {
        using var scope = NewDisposeScope();
        Tensor mixed;
        using (peft.UseAdapterPerRow(rowAdapters))
        {
            mixed = network.call(batch.Ids, batch.Types, batch.Mask);
        }

        var outputs = RunGroups(peft, network, groups, parts).ToList();
        var sequential = zeros_like(mixed);
        for (int i = 0; i < groups.Count; i++)
        {
            sequential.index_copy_(0, tensor(groups[i].Rows), outputs[i]);
        }

        peft.SetActiveAdapter(first);
        var single = network.call(batch.Ids, batch.Types, batch.Mask);
        return ((mixed - sequential).abs().max().item<float>(), (mixed - single).abs().max().item<float>());
    }

    private static BatchTensors Rows(BatchTensors batch, long[] rows)
    {
        using var scope = NewDisposeScope();
        var index = tensor(rows);
        return BatchTensors.Select(batch, index);
    }

    private static double Time(Func<Tensor> forward)
    {
        var stopwatch = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            _ = forward();
        }

        return stopwatch.Elapsed.TotalSeconds;
    }
}
