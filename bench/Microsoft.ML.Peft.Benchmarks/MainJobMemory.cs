// Licensed under the MIT license. See LICENSE in the repository root.

using Microsoft.ML.Data;

namespace Microsoft.ML.Peft.Benchmarks;

/// <summary>
/// A child job: the README's main job (samples/TextClassification) step by step, with the resident memory of each step:
/// import all-MiniLM-L6-v2 from NuGet, train LoRA r8 for one epoch on 80 % of SMS spam, score the other 20 %, save and
/// reload the pipeline, predict four messages with a PredictionEngine.
/// </summary>
internal static class MainJobMemory
{
    private static readonly string[] Messages =
    {
        "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Valid 12 hours only.",
        "Are we still on for lunch tomorrow? I can pick you up at noon.",
        "URGENT! Your mobile number has won a free holiday. Text CLAIM to 87121 now!",
        "Sorry, I'll call you later, in a meeting right now.",
    };

    internal static MainJobMemoryResult Run(BenchmarkOptions options)
    {
        var phases = new MemoryPhases();
        using (var warm = TorchSharp.torch.ones(1))
        {
            // Loads libtorch, so the first phase is the runtime and the native library alone.
        }

        phases.End("runtime and libtorch");

        var mlContext = new MLContext(seed: options.Seed);
        var backbone = MiniLmPackage.Import();
        phases.End("import all-MiniLM-L6-v2 (ONNX)");

        var data = mlContext.Data.LoadFromTextFile<SmsRow>(SmsSpamData.DefaultPath, separatorChar: '\t', hasHeader: true, allowQuoting: false);
        var split = mlContext.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("LabelKey", nameof(SmsRow.Label))
            .Append(mlContext.Peft().LoraTextClassifier(new LoraTextClassifierOptions
            {
                Backbone = backbone,
                LabelColumnName = "LabelKey",
                TextColumnName = nameof(SmsRow.Text),
                Method = new LoraConfig { Rank = 8, Alpha = 16, Dropout = 0.1 },
                Epochs = options.Epochs,
                BatchSize = 16,
                LearningRate = 1e-3,
                MaxSequenceLength = 128,
            }));
        var model = pipeline.Fit(split.TrainSet);
        var info = model.LastTransformer.TrainingInfo!;
        phases.End("train LoRA (1 epoch, batch 16)");

        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(split.TestSet), labelColumnName: "LabelKey");
        phases.End("score the held-out 20 %");

        string path = Path.Combine(Path.GetTempPath(), "peft-memory-" + Guid.NewGuid().ToString("N") + ".zip");
        try
        {
            mlContext.Peft().Model.Save(model, data.Schema, path);
            model.Dispose();
            var reloaded = mlContext.Peft().Model.Load(path, out _, backbone);
            phases.End("save, dispose, reload the pipeline");

            var engine = mlContext.Model.CreatePredictionEngine<SmsRow, SmsScore>(reloaded);
            foreach (string message in Messages)
            {
                engine.Predict(new SmsRow { Text = message });
            }

            phases.End("PredictionEngine, 4 messages");
            (reloaded as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }

        return new MainJobMemoryResult(
            phases.Phases, phases.PerPhasePeaks, phases.Phases.Max(p => p.PeakResidentBytes), info.Steps, info.Elapsed.TotalSeconds, metrics.MacroAccuracy);
    }

    /// <summary>The classifier's score column.</summary>
    internal sealed class SmsScore
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}

/// <summary>The main job's memory, phase by phase.</summary>
/// <param name="PeakResidentBytes">The highest per-phase peak: the job's peak resident memory.</param>
/// <param name="TrainingSeconds">The estimator's training time.</param>
/// <param name="MacroAccuracy">Held-out macro accuracy, to show the job still learns.</param>
internal sealed record MainJobMemoryResult(
    IReadOnlyList<MemoryPhase> Phases,
    bool PerPhasePeaks,
    long PeakResidentBytes,
    int Steps,
    double TrainingSeconds,
    double MacroAccuracy);
