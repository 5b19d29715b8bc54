// Licensed under the MIT license. See LICENSE in the repository root.

using System.Diagnostics;
using Microsoft.ML.Data;
using TorchSharp;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// A child job: what serving a trained classifier costs. A LoRA classifier on all-MiniLM-L6-v2 (trained briefly; its
/// weights do not change the cost) scores the same 1,000 SMS messages N times through <c>Transform</c>, with the resident
/// memory and live tensors after each pass; then a PredictionEngine predicts short messages one at a time, against the
/// per-row cost of scoring the same messages in one <c>Transform</c>.
/// </summary>
internal static class ScoringMemory
{
    internal const int Rows = 1000;
    private const int ShortMessages = 100;
    private const int ShortWords = 8;

    internal static ScoringMemoryResult Run(BenchmarkOptions options)
    {
        var mlContext = new MLContext(seed: options.Seed);
        var backbone = MiniLmPackage.Import();
        var messages = SmsSpamData.Load(SmsSpamData.DefaultPath);
        var rows = messages.Take(Rows).Select(m => new Message { Label = m.Label == 1, Text = m.Text }).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var classifier = mlContext.Peft().LoraTextClassifier(new LoraTextClassifierOptions
        {
            Backbone = backbone,
            LabelColumnName = nameof(Message.Label),
            TextColumnName = nameof(Message.Text),
            Epochs = 1,
            BatchSize = 16,
            MaxSequenceLength = 128,
        }).Fit(mlContext.Data.TakeRows(data, 64));
        long residentBefore = ProcessMemory.ResidentBytes();
        Log.Info($"trained; resident {MemoryPhases.Gib(residentBefore)}");

        var passes = new List<ScoringPass>();
        for (int pass = 0; pass < options.ScoringPasses; pass++)
        {
            var stopwatch = Stopwatch.StartNew();
            var scores = classifier.Transform(data).GetColumn<float>("Probability").ToArray();
            stopwatch.Stop();
            var statistics = DisposeScopeManager.Statistics;
            passes.Add(new ScoringPass(stopwatch.Elapsed.TotalMilliseconds, ProcessMemory.ResidentBytes(), statistics.ThreadTotalLiveCount));
            Log.Info($"pass {pass + 1}: {stopwatch.Elapsed.TotalSeconds:F2} s, resident {MemoryPhases.Gib(passes[^1].ResidentBytesAfter)}, live tensors {passes[^1].LiveTensors}");
            if (scores.Length != Rows)
            {
                throw new InvalidOperationException($"Scored {scores.Length} rows, expected {Rows}.");
            }
        }

        var shortRows = messages.Select(m => m.Text).Where(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= ShortWords)
            .Take(ShortMessages).Select(t => new Message { Text = t }).ToList();
        var shortData = mlContext.Data.LoadFromEnumerable(shortRows);
        classifier.Transform(shortData).GetColumn<float>("Probability").ToArray();
        var batched = Stopwatch.StartNew();
        classifier.Transform(shortData).GetColumn<float>("Probability").ToArray();
        batched.Stop();

        var engine = mlContext.Model.CreatePredictionEngine<Message, Prediction>(classifier);
        foreach (var row in shortRows.Take(10))
        {
            engine.Predict(row);
        }

        var latencies = new List<double>();
        foreach (var row in shortRows)
        {
            var stopwatch = Stopwatch.StartNew();
            engine.Predict(row);
            latencies.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        double engineMs = latencies[latencies.Count / 2];
        double batchedRowMs = batched.Elapsed.TotalMilliseconds / shortRows.Count;
        Log.Info($"PredictionEngine {engineMs:F2} ms per short message; batched {batchedRowMs:F2} ms per row of the same messages");
        classifier.Dispose();
        return new ScoringMemoryResult(
            Rows, residentBefore, passes, shortRows.Count, engineMs, batchedRowMs, latencies[0], latencies[^1], ProcessMemory.PeakResidentBytes());
    }

    /// <summary>A labelled message; Boolean, so the classifier is binary and has the Probability column.</summary>
    internal sealed class Message
    {
        public bool Label { get; set; }

        public string Text { get; set; } = string.Empty;
    }

    /// <summary>The binary classifier's probability.</summary>
    internal sealed class Prediction
    {
        public float Probability { get; set; }
    }
}

/// <summary>One <c>Transform</c> over the 1,000 rows: its time, the resident memory after it and the live tensors.</summary>
internal sealed record ScoringPass(double Milliseconds, long ResidentBytesAfter, long LiveTensors);

/// <summary>Repeated scoring and single-row latency.</summary>
/// <param name="ResidentBytesBefore">Resident memory after training, before the first scoring pass.</param>
/// <param name="EngineMilliseconds">Median PredictionEngine.Predict time of one short message (at most 8 words).</param>
/// <param name="BatchedRowMilliseconds">Time per row of scoring the same short messages in one Transform.</param>
internal sealed record ScoringMemoryResult(
    int Rows,
    long ResidentBytesBefore,
    IReadOnlyList<ScoringPass> Passes,
    int ShortMessages,
    double EngineMilliseconds,
    double BatchedRowMilliseconds,
    double EngineMinMilliseconds,
    double EngineMaxMilliseconds,
    long PeakResidentBytes);
